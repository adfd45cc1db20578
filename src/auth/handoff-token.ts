// Handoff tokens: Carryover-signed JWTs that carry one person's thread to
// another device. 5 minutes, single use: the `jti` is recorded as used by the
// person's Customer DO when redeemed.
import { jwtVerify } from "jose";
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import { OWN_ISSUER, signOwnToken } from "./own-token";
import { tokenError } from "./token-error";

export const HANDOFF_TTL_S = 5 * 60;
// A distinct audience: a session token can never be redeemed as a handoff, nor the reverse.
const AUDIENCE = "carryover:handoff";

export interface Handoff {
  tenant: string;
  userId: string;
  conversationId: string;
  guest: boolean;
  jti: string;
  expiresAt: string;
  /** The customer session that made the link; redeeming fails once it signed out. */
  issuedBy?: { deviceId: string; sessionId: string };
}

export async function signHandoffToken(
  key: Uint8Array,
  input: Omit<Handoff, "jti" | "expiresAt">,
  now = new Date(),
): Promise<{ token: string; handoff: Handoff }> {
  const jti = newId("hof");
  const claims: Record<string, unknown> = { ten: input.tenant, cnv: input.conversationId };
  if (input.guest) claims.gst = true;
  if (input.issuedBy) {
    claims.dev = input.issuedBy.deviceId;
    claims.sid = input.issuedBy.sessionId;
  }
  const { token, expiresAt } = await signOwnToken(key, { audience: AUDIENCE, subject: input.userId, claims, ttlS: HANDOFF_TTL_S, jti }, now);
  return { token, handoff: { ...input, jti, expiresAt } };
}

/** The handoff `token` proves, for `tenant` only. */
export async function verifyHandoffToken(key: Uint8Array, token: string, tenant: string, now = new Date()): Promise<Handoff> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: OWN_ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["exp", "sub", "jti"],
      currentDate: now,
    }));
  } catch (err) {
    throw tokenError(err, "handoff token");
  }
  const { sub, ten, cnv, gst, jti, exp, dev, sid } = payload;
  if (typeof sub !== "string" || typeof ten !== "string" || typeof cnv !== "string" || typeof jti !== "string" || typeof exp !== "number") {
    throw new ServiceError("invalid_token", "handoff token claims are incomplete");
  }
  if (ten !== tenant) throw new ServiceError("invalid_token", "handoff token was issued for another tenant");
  const handoff: Handoff = { tenant: ten, userId: sub, conversationId: cnv, guest: gst === true, jti, expiresAt: new Date(exp * 1000).toISOString() };
  if (typeof dev === "string" && typeof sid === "string") handoff.issuedBy = { deviceId: dev, sessionId: sid };
  return handoff;
}
