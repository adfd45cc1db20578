// Remote JWKS (a tenant's jwksUrl): fetched through jose's createRemoteJWKSet,
// cached per URL, refetched on an unknown kid, bounded by a timeout. No
// network here, so the fetch is injected into the key cache.
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type FetchImplementation, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { RemoteJwksCache } from "../../src/auth/identity-keys";
import { verifyIdentityToken } from "../../src/auth/identity-token";
import type { Tenant } from "../../src/directory/tenants";
import { ServiceError } from "../../src/protocol/errors";

const JWKS_URL = "https://idp.example/.well-known/jwks.json";
const ISSUER = "https://idp.example";

function tenant(): Tenant {
  const at = new Date().toISOString();
  return { id: "remote", name: "Remote", allowedOrigins: [], identity: { issuer: ISSUER, jwksUrl: JWKS_URL }, rateLimits: {}, createdAt: at, updatedAt: at };
}

async function rsaKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
}

function token(key: CryptoKey | Uint8Array, kid: string, sub = "ada", alg = "RS256"): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg, kid }).setIssuer(ISSUER).setAudience("carryover").setSubject(sub).setIssuedAt(now).setExpirationTime(now + 300).sign(key);
}

/** A JWKS endpoint serving whatever `keys` holds now, counting requests. */
function endpoint(keys: JWK[]): { fetch: FetchImplementation; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchImplementation = async (url) => {
    calls.push(url);
    return Response.json({ keys });
  };
  return { fetch, calls };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (err) {
    return err instanceof ServiceError ? err.code : "unexpected";
  }
}

async function detailOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return "accepted";
  } catch (err) {
    return err instanceof ServiceError ? err.message : "unexpected";
  }
}

const UNFETCHED = /identity keys \(its jwksUrl\) could not be fetched/;

describe("remote JWKS", () => {
  it("verifies against the fetched set and caches it per URL", async () => {
    const k1 = await rsaKey("k1");
    const served = endpoint([k1.jwk]);
    const remote = new RemoteJwksCache({ fetch: served.fetch });
    expect(await verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote })).toEqual({ userId: "ada" });
    expect(await verifyIdentityToken(await token(k1.privateKey, "k1", "bea"), tenant(), { remote })).toEqual({ userId: "bea" });
    expect(served.calls).toEqual([JWKS_URL]);
  });

  it("picks up a rotated key on an unknown kid, after the cooldown", async () => {
    const k1 = await rsaKey("k1");
    const k2 = await rsaKey("k2");
    const keys = [k1.jwk];
    const served = endpoint(keys);
    const remote = new RemoteJwksCache({ fetch: served.fetch, cooldownMs: 0 });
    await verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote });
    keys.push(k2.jwk);
    expect(await verifyIdentityToken(await token(k2.privateKey, "k2"), tenant(), { remote })).toEqual({ userId: "ada" });
    expect(served.calls).toHaveLength(2);
  });

  it("within the cooldown an unknown kid does not trigger a fetch", async () => {
    const k1 = await rsaKey("k1");
    const stranger = await rsaKey("zz");
    const served = endpoint([k1.jwk]);
    const remote = new RemoteJwksCache({ fetch: served.fetch, cooldownMs: 60_000 });
    await verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote });
    for (let i = 0; i < 5; i++) expect(await codeOf(verifyIdentityToken(await token(stranger.privateKey, "zz"), tenant(), { remote }))).toBe("invalid_token");
    expect(served.calls).toHaveLength(1);
  });

  it("never uses the JWKS for HS256, and never fetches for it", async () => {
    const k1 = await rsaKey("k1");
    const served = endpoint([k1.jwk]);
    const remote = new RemoteJwksCache({ fetch: served.fetch });
    const hs = await token(new TextEncoder().encode(JSON.stringify(k1.jwk)), "k1", "eve", "HS256");
    expect(await codeOf(verifyIdentityToken(hs, tenant(), { remote }))).toBe("invalid_token");
    expect(served.calls).toEqual([]);
  });

  it("a failing or slow endpoint is an invalid token, not a crash", async () => {
    const k1 = await rsaKey("k1");
    const failing = new RemoteJwksCache({ fetch: async () => new Response("oops", { status: 500 }) });
    expect(await codeOf(verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote: failing }))).toBe("invalid_token");
    const hanging: FetchImplementation = (_url, options) =>
      new Promise((_resolve, reject) => options.signal.addEventListener("abort", () => reject(options.signal.reason)));
    const slow = new RemoteJwksCache({ fetch: hanging, timeoutMs: 20 });
    expect(await codeOf(verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote: slow }))).toBe("invalid_token");
  });

  it("says the tenant's keys could not be fetched, not that the token is invalid", async () => {
    const k1 = await rsaKey("k1");
    const cases: FetchImplementation[] = [
      async () => new Response("oops", { status: 500 }),
      async () => new Response("not json", { status: 200 }),
      async () => Response.json({ nope: true }),
      async () => {
        throw new TypeError("network connection lost");
      },
      (_url, options) => new Promise((_resolve, reject) => options.signal.addEventListener("abort", () => reject(options.signal.reason))),
    ];
    for (const [i, fetch] of cases.entries()) {
      const remote = new RemoteJwksCache({ fetch, timeoutMs: 20 });
      const detail = await detailOf(verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote }));
      expect(detail, `case ${i}`).toMatch(UNFETCHED);
      expect(detail, `case ${i}`).not.toContain("ERR_");
    }
    // A set that was fetched but lacks the token's kid is the token's problem.
    const other = await rsaKey("k2");
    const served = endpoint([other.jwk]);
    const detail = await detailOf(verifyIdentityToken(await token(k1.privateKey, "k1"), tenant(), { remote: new RemoteJwksCache({ fetch: served.fetch }) }));
    expect(detail).toMatch(/identity token is invalid/);
    expect(detail).not.toMatch(UNFETCHED);
  });
});
