// Carryover's own JWTs — customer session, agent session and handoff
// tokens: HS256 with SESSION_SECRET's bytes, issuer "carryover", each kind
// told apart by its audience so one never passes as another.
import { SignJWT } from "jose";

/** The `iss` of every token Carryover signs itself. */
export const OWN_ISSUER = "carryover";

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

/** What one of Carryover's own tokens says: its kind (`audience`), whose it is (`subject`), and its other claims. */
export interface OwnToken {
  audience: string;
  subject: string;
  claims: Record<string, unknown>;
  /** Lifetime in seconds from `now`. */
  ttlS: number;
  /** A token id, for single-use tokens. */
  jti?: string;
}

/** Signs `spec` with `key` (SESSION_SECRET's bytes), issued at `now`; `expiresAt` is ISO 8601. */
export async function signOwnToken(key: Uint8Array, spec: OwnToken, now: Date): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const jwt = new SignJWT(spec.claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(OWN_ISSUER)
    .setAudience(spec.audience)
    .setSubject(spec.subject);
  if (spec.jti !== undefined) jwt.setJti(spec.jti);
  const token = await jwt
    .setIssuedAt(iat)
    .setExpirationTime(iat + spec.ttlS)
    .sign(await hmacKeyOf(key));
  return { token, expiresAt: new Date((iat + spec.ttlS) * 1000).toISOString() };
}
