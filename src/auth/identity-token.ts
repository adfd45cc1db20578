// Verifies identity tokens signed by a tenant's backend (RFC 8725 rules):
// algorithm allow-list per key type, iss/aud/exp/sub required, ≤ 60 s skew.
import { errors, jwtVerify, type JWTPayload } from "jose";
import { ServiceError } from "../protocol/errors";
import type { Tenant } from "../directory/tenants";

export interface Identity {
  userId: string;
  name?: string;
  email?: string;
  avatar?: string;
}

export const IDENTITY_AUDIENCE = "carryover";
const CLOCK_TOLERANCE_S = 60;
const MAX_LIFETIME_S = 3600 + CLOCK_TOLERANCE_S;

/** Turns jose's failures into the API's codes; anything unexpected is a bad token. */
export function tokenError(err: unknown, what: string): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof errors.JWTExpired) return new ServiceError("token_expired", `${what} has expired`);
  if (err instanceof errors.JOSEError) {
    return new ServiceError("invalid_token", `${what} is invalid (${err.code})`);
  }
  return new ServiceError("invalid_token", `${what} is invalid`);
}

function optionalString(payload: JWTPayload, claim: string, max: number): string | undefined {
  const value = payload[claim];
  return typeof value === "string" && value.length > 0 ? value.slice(0, max) : undefined;
}

/** Header parameters that would let a token pick its own key; never honoured. */
const FORBIDDEN_HEADERS = ["jku", "x5u", "jwk", "x5c"];

function rejectKeyHints(token: string): void {
  const [encoded] = token.split(".");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(base64UrlDecode(encoded ?? "")));
  } catch {
    throw new ServiceError("invalid_token", "identity token header is not valid JSON");
  }
  if (typeof header !== "object" || header === null) throw new ServiceError("invalid_token", "identity token header is invalid");
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) throw new ServiceError("invalid_token", `identity token header "${name}" is not accepted`);
  }
}

function base64UrlDecode(value: string): Uint8Array {
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export async function verifyIdentityToken(token: string, tenant: Tenant, now = new Date()): Promise<Identity> {
  if (token.length > 8192) throw new ServiceError("invalid_token", "identity token is too long");
  rejectKeyHints(token);
  const secrets = tenant.identity.hs256Secrets ?? [];
  if (secrets.length === 0) throw new ServiceError("invalid_token", "this tenant accepts no HS256 identity tokens");
  let last: unknown;
  // Several secrets are accepted at once so a tenant can rotate without downtime.
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
        algorithms: ["HS256"],
        issuer: tenant.identity.issuer,
        audience: IDENTITY_AUDIENCE,
        requiredClaims: ["exp", "iat", "sub"],
        clockTolerance: CLOCK_TOLERANCE_S,
        maxTokenAge: MAX_LIFETIME_S,
        currentDate: now,
      });
      return identityOf(payload);
    } catch (err) {
      last = err;
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw tokenError(last, "identity token");
}

function identityOf(payload: JWTPayload): Identity {
  // DESIGN: identity tokens live at most an hour; a longer one is a leak waiting to happen.
  if (typeof payload.exp === "number" && typeof payload.iat === "number" && payload.exp - payload.iat > 3600) {
    throw new ServiceError("invalid_token", "identity token lifetime (exp - iat) is over one hour");
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 128) {
    throw new ServiceError("invalid_token", "identity token sub must be a user id of 1..128 characters");
  }
  const identity: Identity = { userId: sub };
  const name = optionalString(payload, "name", 128);
  const email = optionalString(payload, "email", 256);
  const avatar = optionalString(payload, "avatar", 2048);
  if (name) identity.name = name;
  if (email) identity.email = email;
  if (avatar) identity.avatar = avatar;
  return identity;
}
