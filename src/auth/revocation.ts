// The one revocation check: a credential whose device (or session) has been
// signed out is refused everywhere at once, not only when its 15-minute
// token expires. Every route that accepts a session token runs it through
// `authenticate()` (src/http/auth.ts); the live upgrade calls it directly.
// Routes answered by one thread alone (messages, events, reads, the thread's
// socket) skip this round trip: the Conversation DO refuses the session
// itself, told by the Customer DO before any sign-out is answered
// (src/customer/revocation-push.ts, src/conversation/revoked-sessions.ts).
import { customerStub } from "../directory/stubs";
import type { Env } from "../env";
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";

/**
 * What names one signed-in session: the person's Customer DO is
 * `<tenant>:<userId>`; `deviceId` + `sessionId` name the session in it.
 * Another kind of session (agent sessions) adds its own store lookup in
 * `sessionActive` below, keyed the same way.
 */
export interface SessionKey {
  tenant: string;
  userId: string;
  deviceId: string;
  sessionId: string;
}

/** Whether the session is still signed in: one RPC to the person's Customer DO. */
export function sessionActive(env: Env, key: SessionKey): Promise<boolean> {
  return customerStub(env, key.tenant, key.userId).sessionActive(key.deviceId, key.sessionId);
}

/**
 * Throws `token_revoked` (401) when `access` is a session that has been
 * signed out (sign-out, sign-out everywhere, a reused refresh token, a guest
 * merged into a person). API keys are checked against D1 on every call
 * already and pass through.
 */
export async function assertNotRevoked(env: Env, access: Access): Promise<void> {
  if (access.kind !== "customer") return;
  if (!(await sessionActive(env, access))) {
    throw new ServiceError("token_revoked", "this device has been signed out; sign in again");
  }
}
