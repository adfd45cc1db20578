// Carryover's own short-lived session tokens: HS256 with SESSION_SECRET,
// bound to tenant, user, device and session.
import { jwtVerify } from "jose";
import type { CustomerAccess } from "../protocol/access";
import { hmacKeyOf, OWN_ISSUER, signOwnToken } from "./own-token";
import { tokenError } from "./token-error";

export const SESSION_TTL_S = 15 * 60;

const AUDIENCE = "carryover:session";

export async function signSessionToken(
  key: Uint8Array,
  access: Omit<CustomerAccess, "kind">,
  now = new Date(),
): Promise<{ token: string; expiresAt: string }> {
  const claims: Record<string, unknown> = { ten: access.tenant, dev: access.deviceId, sid: access.sessionId };
  if (access.guest) claims.gst = true;
  if (access.name) claims.name = access.name;
  return signOwnToken(key, { audience: AUDIENCE, subject: access.userId, claims, ttlS: SESSION_TTL_S }, now);
}

/** Verifies a customer session token (signature, issuer, audience, expiry); throws token_expired / invalid_token. */
export async function verifySessionToken(key: Uint8Array, token: string): Promise<CustomerAccess> {
  return (await verifySessionClaims(key, token)).access;
}

/**
 * As verifySessionToken, with the token's `exp` (seconds since the epoch):
 * the isolate's token cache (session-token-cache.ts) keeps a verified token
 * only until then.
 */
export async function verifySessionClaims(key: Uint8Array, token: string): Promise<{ access: CustomerAccess; exp: number }> {
  try {
    const { payload } = await jwtVerify(token, await hmacKeyOf(key), {
      algorithms: ["HS256"],
      issuer: OWN_ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["exp", "sub"],
    });
    const { sub, ten, dev, sid, gst, name } = payload;
    if (typeof sub !== "string" || typeof ten !== "string" || typeof dev !== "string" || typeof sid !== "string") {
      throw new Error("session token claims are incomplete");
    }
    const access: CustomerAccess = { kind: "customer", tenant: ten, userId: sub, deviceId: dev, sessionId: sid, guest: gst === true };
    if (typeof name === "string") access.name = name;
    // requiredClaims made jose check that exp is a number in the future.
    return { access, exp: payload.exp as number };
  } catch (err) {
    throw tokenError(err, "session token");
  }
}
