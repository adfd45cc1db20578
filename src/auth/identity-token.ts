// Verifies identity tokens signed by a tenant's backend (RFC 8725 rules):
// algorithm allow-list per key type, iss/aud/exp/iat/sub required, ≤ 60 s skew,
// no header that lets a token choose its own key.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions, type ProtectedHeaderParameters } from "jose";
import { ServiceError } from "../protocol/errors";
import { cleanName } from "../protocol/names";
import { LONE_SURROGATE, sliceWhole, wellFormed } from "../protocol/text";
import type { Tenant } from "../directory/tenants";
import { reservedPrefixOf } from "../ids";
import { tokenError } from "./token-error";
import { ASYMMETRIC_ALGORITHMS, localKeys, remoteJwks, type AsymmetricKeys, type RemoteJwksCache } from "./identity-keys";


const secretKeys = new Map<string, Promise<CryptoKey>>();

/** A tenant's HS256 secret as an HMAC key, imported once per isolate (bounded, for rotations). */
function tenantSecretKey(secret: string): Promise<CryptoKey> {
  let key = secretKeys.get(secret);
  if (!key) {
    if (secretKeys.size >= 256) secretKeys.clear();
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    secretKeys.set(secret, key);
  }
  return key;
}
export interface Identity {
  userId: string;
  name?: string;
  email?: string;
  avatar?: string;
}

export const IDENTITY_AUDIENCE = "carryover";
const CLOCK_TOLERANCE_S = 60;
const MAX_LIFETIME_S = 3600 + CLOCK_TOLERANCE_S;

export function optionalString(payload: JWTPayload, claim: string, max: number): string | undefined {
  const value = payload[claim];
  return typeof value === "string" && value.length > 0 ? wellFormed(sliceWhole(value, 0, max)) : undefined;
}

/** Header parameters that would let a token pick its own key; never honoured. */
const FORBIDDEN_HEADERS = ["jku", "x5u", "jwk", "x5c"];
/** A key id is looked up, never used as a path or in SQL; still, only plain ids pass. */
const SAFE_KID = /^[A-Za-z0-9_.:+=-]{1,128}$/;

function checkedHeader(token: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new ServiceError("invalid_token", "identity token is not a JWS");
  }
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) throw new ServiceError("invalid_token", `identity token header "${name}" is not accepted`);
  }
  if (header.kid !== undefined && (typeof header.kid !== "string" || !SAFE_KID.test(header.kid) || header.kid.includes(".."))) {
    throw new ServiceError("invalid_token", "identity token kid is not a plain key id");
  }
  return header;
}

export interface VerifyOptions {
  now?: Date;
  /** Remote key sets; tests inject one with its own fetch. */
  remote?: RemoteJwksCache;
}

export async function verifyIdentityToken(token: string, tenant: Tenant, options: VerifyOptions = {}): Promise<Identity> {
  return identityOf(await verifyIdentityClaims(token, tenant, IDENTITY_AUDIENCE, options));
}

/**
 * The verified claims of a token signed with `tenant`'s identity keys for
 * exactly `audience` ("carryover" for customers, "carryover:agent" for agents):
 * an `aud` that also names another audience is refused, so no token can be
 * both a customer and an agent token. Checks lifetime (≤ 1 h) and `sub`.
 * Throws invalid_token / token_expired.
 */
export async function verifyIdentityClaims(token: string, tenant: Tenant, audience: string, options: VerifyOptions = {}): Promise<JWTPayload> {
  if (token.length > 8192) throw new ServiceError("invalid_token", "identity token is too long");
  const header = checkedHeader(token);
  const common: JWTVerifyOptions = {
    issuer: tenant.identity.issuer,
    audience,
    requiredClaims: ["exp", "iat", "sub"],
    clockTolerance: CLOCK_TOLERANCE_S,
    maxTokenAge: MAX_LIFETIME_S,
    currentDate: options.now ?? new Date(),
  };
  let payload: JWTPayload;
  if (header.alg === "HS256") payload = await verifyWithSecrets(token, tenant, common);
  else if ((ASYMMETRIC_ALGORITHMS as readonly string[]).includes(header.alg ?? "")) {
    const keys = asymmetricKeysOf(tenant, options.remote ?? remoteJwks);
    if (!keys) throw new ServiceError("invalid_token", `this tenant accepts no ${header.alg} identity tokens`);
    try {
      payload = (await jwtVerify(token, keys.keys, { ...common, algorithms: keys.algorithms })).payload;
    } catch (err) {
      throw tokenError(err, "identity token");
    }
  } else {
    throw new ServiceError("invalid_token", `identity token algorithm "${String(header.alg)}" is not accepted`);
  }
  if (Array.isArray(payload.aud) && payload.aud.length !== 1) {
    throw new ServiceError("invalid_token", `identity token aud must be exactly "${audience}"`);
  }
  checkedSubject(payload);
  return payload;
}

async function verifyWithSecrets(token: string, tenant: Tenant, common: JWTVerifyOptions): Promise<JWTPayload> {
  const secrets = tenant.identity.hs256Secrets ?? [];
  if (secrets.length === 0) throw new ServiceError("invalid_token", "this tenant accepts no HS256 identity tokens");
  let last: unknown;
  // Several secrets are accepted at once so a tenant can rotate without downtime.
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, await tenantSecretKey(secret), { ...common, algorithms: ["HS256"] });
      return payload;
    } catch (err) {
      last = err;
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw tokenError(last, "identity token");
}

function asymmetricKeysOf(tenant: Tenant, remote: RemoteJwksCache): AsymmetricKeys | null {
  if (tenant.identity.jwks) return localKeys(tenant.identity.jwks);
  if (tenant.identity.jwksUrl) return remote.keysFor(tenant.identity.jwksUrl);
  return null;
}

/** The token's `sub` after the lifetime and subject rules; throws invalid_token. */
function checkedSubject(payload: JWTPayload): string {
  // jose bounds the age of iat; the lifetime a backend grants (DESIGN: ≤ 1 h) is bounded here.
  if (typeof payload.exp === "number" && typeof payload.iat === "number" && payload.exp - payload.iat > 3600) {
    throw new ServiceError("invalid_token", "identity tokens may live at most one hour (exp - iat)");
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 128 || LONE_SURROGATE.test(sub)) {
    throw new ServiceError("invalid_token", "identity token sub must be a user id of 1..128 characters of Unicode text");
  }
  // Guest and messenger-user ids name Customer DOs too: a business user id may never look like one.
  const reserved = reservedPrefixOf(sub);
  if (reserved) throw new ServiceError("invalid_token", `identity token sub may not start with "${reserved}" (ids Carryover mints for guests and messenger users)`);
  return sub;
}

function identityOf(payload: JWTPayload): Identity {
  const identity: Identity = { userId: checkedSubject(payload) };
  const name = typeof payload.name === "string" ? cleanName(payload.name) : undefined;
  const email = optionalString(payload, "email", 256);
  const avatar = optionalString(payload, "avatar", 2048);
  if (name) identity.name = name;
  if (email) identity.email = email;
  if (avatar) identity.avatar = avatar;
  return identity;
}
