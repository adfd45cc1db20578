// Carryover's own short-lived session tokens: HS256 with SESSION_SECRET,
// bound to tenant, user, device and session.
import { SignJWT, jwtVerify } from "jose";
import type { CustomerAccess } from "../protocol/access";
import { tokenError } from "./token-error";

export const SESSION_TTL_S = 15 * 60;

const hmacKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/** The HMAC key, imported once per isolate: every API call verifies a session token. */
export function hmacKeyOf(secret: Uint8Array): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    hmacKeys.set(secret, key);
  }
  return key;
}
const ISSUER = "carryover";
const AUDIENCE = "carryover:session";

export async function signSessionToken(
  key: Uint8Array,
  access: Omit<CustomerAccess, "kind">,
  now = new Date(),
): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: Record<string, unknown> = { ten: access.tenant, dev: access.deviceId, sid: access.sessionId };
  if (access.guest) claims.gst = true;
  if (access.name) claims.name = access.name;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(access.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_TTL_S)
    .sign(await hmacKeyOf(key));
  return { token, expiresAt: new Date((iat + SESSION_TTL_S) * 1000).toISOString() };
}

export async function verifySessionToken(key: Uint8Array, token: string): Promise<CustomerAccess> {
  try {
    const { payload } = await jwtVerify(token, await hmacKeyOf(key), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["exp", "sub"],
    });
    const { sub, ten, dev, sid, gst, name } = payload;
    if (typeof sub !== "string" || typeof ten !== "string" || typeof dev !== "string" || typeof sid !== "string") {
      throw new Error("session token claims are incomplete");
    }
    const access: CustomerAccess = { kind: "customer", tenant: ten, userId: sub, deviceId: dev, sessionId: sid, guest: gst === true };
    if (typeof name === "string") access.name = name;
    return access;
  } catch (err) {
    throw tokenError(err, "session token");
  }
}
