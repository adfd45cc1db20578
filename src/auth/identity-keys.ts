// Which keys verify a tenant's identity tokens, and with which algorithms.
// HS256 shared secrets are used only for HS256 tokens; a JWKS (inline or by
// URL) only for asymmetric ones, so a token can never make us use a public key
// as an HMAC secret. The allow-list of a JWKS follows its keys' types.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type FetchImplementation, type JWTVerifyGetKey } from "jose";
import * as z from "../zod";
import { ServiceError } from "../protocol/errors";

/** Asymmetric algorithms Carryover accepts; everything else is refused. */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "ES256", "EdDSA", "Ed25519"] as const;
type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

const B64URL = /^[A-Za-z0-9_-]+$/;
const Kid = z.optional(z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_.:+=-]+$/, "kid may use letters, digits and _ . : + = -")));
const Common = {
  kid: Kid,
  use: z.optional(z.literal("sig")),
  key_ops: z.optional(z.array(z.literal("verify"))),
  alg: z.optional(z.enum(ASYMMETRIC_ALGORITHMS)),
  ext: z.optional(z.boolean()),
};

/** A public signing key as a tenant may configure it: no private or symmetric members. */
export const PublicJwk = z.discriminatedUnion("kty", [
  z.strictObject({
    ...Common,
    kty: z.literal("RSA"),
    // ≥ 2048-bit modulus (342 base64url characters).
    n: z.string().check(z.minLength(342, "RSA keys need at least 2048 bits"), z.maxLength(1400), z.regex(B64URL)),
    e: z.string().check(z.minLength(1), z.maxLength(16), z.regex(B64URL)),
    alg: z.optional(z.literal("RS256")),
  }),
  z.strictObject({
    ...Common,
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: z.string().check(z.length(43), z.regex(B64URL)),
    y: z.string().check(z.length(43), z.regex(B64URL)),
    alg: z.optional(z.literal("ES256")),
  }),
  z.strictObject({
    ...Common,
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    x: z.string().check(z.length(43), z.regex(B64URL)),
    alg: z.optional(z.enum(["EdDSA", "Ed25519"])),
  }),
]);
export type PublicJwk = z.infer<typeof PublicJwk>;

export const Jwks = z.strictObject({ keys: z.array(PublicJwk).check(z.minLength(1), z.maxLength(20)) });
export type Jwks = z.infer<typeof Jwks>;

/** The algorithms a key can verify, from its declared `alg` or else its type. */
export function algorithmsOf(jwk: PublicJwk): AsymmetricAlgorithm[] {
  if (jwk.alg) return [jwk.alg];
  switch (jwk.kty) {
    case "RSA":
      return ["RS256"];
    case "EC":
      return ["ES256"];
    case "OKP":
      return ["EdDSA", "Ed25519"];
  }
}

export interface AsymmetricKeys {
  keys: JWTVerifyGetKey;
  algorithms: string[];
}

const localSets = new WeakMap<Jwks, AsymmetricKeys>();

/** An inline JWKS, imported once per tenant configuration object. */
export function localKeys(jwks: Jwks): AsymmetricKeys {
  let set = localSets.get(jwks);
  if (!set) {
    set = { keys: createLocalJWKSet(jwks), algorithms: [...new Set(jwks.keys.flatMap(algorithmsOf))] };
    localSets.set(jwks, set);
  }
  return set;
}

export interface RemoteJwksOptions {
  /** Injected in tests; production uses the platform fetch. */
  fetch?: FetchImplementation;
  /** After a key miss, how long before the set is fetched again (ms). */
  cooldownMs?: number;
  /** How long a fetched set is trusted before it is fetched again (ms). */
  maxAgeMs?: number;
  timeoutMs?: number;
}

/**
 * Remote key sets, one per URL, kept in the isolate: jose's
 * createRemoteJWKSet fetches lazily, caches the set, refetches on an unknown
 * `kid` at most once per cooldown (key rotation without a flood of fetches)
 * and aborts a slow fetch.
 */
export class RemoteJwksCache {
  private readonly sets = new Map<string, AsymmetricKeys>();
  static readonly MAX_URLS = 256;

  constructor(private readonly options: RemoteJwksOptions = {}) {}

  keysFor(url: string): AsymmetricKeys {
    let set = this.sets.get(url);
    if (!set) {
      if (this.sets.size >= RemoteJwksCache.MAX_URLS) this.sets.delete(this.sets.keys().next().value as string);
      const remote = createRemoteJWKSet(new URL(url), {
        cooldownDuration: this.options.cooldownMs ?? 30_000,
        cacheMaxAge: this.options.maxAgeMs ?? 10 * 60_000,
        timeoutDuration: this.options.timeoutMs ?? 3_000,
        ...(this.options.fetch ? { [customFetch]: this.options.fetch } : {}),
      });
      // jose matches the token's alg to each key's kty/crv, so the full
      // asymmetric list is safe here; HS* is never on it.
      set = { keys: unavailableAsServiceError(url, remote), algorithms: [...ASYMMETRIC_ALGORITHMS] };
      this.sets.set(url, set);
    }
    return set;
  }
}

export const remoteJwks = new RemoteJwksCache();

/** Errors that mean "the set was fetched; this token matches no usable key in it". */
const TOKEN_SIDE = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported];

/**
 * `remote` with its fetch failures (network error, timeout, non-200, not a
 * key set) turned into invalid_token with a detail saying the tenant's keys
 * could not be fetched — the token itself was never checked, and a customer
 * (and the tenant's developer) should not read "token is invalid
 * (ERR_JOSE_GENERIC)". The operator gets the URL and the cause in the log.
 */
function unavailableAsServiceError(url: string, remote: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (TOKEN_SIDE.some((type) => err instanceof type)) throw err;
      console.error(`identity keys: fetching the tenant's jwksUrl ${url} failed`, err);
      throw new ServiceError("invalid_token", "the tenant's identity keys (its jwksUrl) could not be fetched, so the identity token could not be checked; try again later");
    }
  };
}
