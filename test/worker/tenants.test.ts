// Tenants through the admin API: creation with a key shown once, changes,
// API keys, HS256 secret rotation and identity tokens verified with an inline
// JWKS (RS256, ES256, EdDSA).
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, identityToken, json, uniqueUser } from "./helpers";
import { createTenant, postSession, problemOf, session, uniqueTenantId } from "./identity-helpers";

async function signWith(privateKey: CryptoKey, alg: string, issuer: string, sub: string, kid?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: "Key User" })
    .setProtectedHeader(kid ? { alg, kid } : { alg })
    .setIssuer(issuer)
    .setAudience("carryover")
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

async function keyPair(alg: "RS256" | "ES256" | "Ed25519", kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
}

function admin(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  return api(`/v1/admin${path}`, { ...init, token: ADMIN_TOKEN });
}

describe("tenants (admin API)", () => {
  it("needs the admin token, compared exactly", async () => {
    const body = { id: uniqueTenantId(), name: "x", identity: { issuer: "x", hs256Secrets: ["s".repeat(32)] } };
    expect(await problemOf(await api("/v1/admin/tenants", { method: "POST", json: body }))).toMatchObject({ status: 401, code: "invalid_token" });
    const wrong = await api("/v1/admin/tenants", { method: "POST", json: body, token: `${ADMIN_TOKEN}x` });
    expect(await problemOf(wrong)).toMatchObject({ status: 401, code: "invalid_token" });
    const session = await postSession({ identityToken: await identityToken(uniqueUser()) });
    const customer = await api("/v1/admin/tenants", { method: "POST", json: body, token: (await json<{ sessionToken: string }>(session)).sessionToken });
    expect(customer.status).toBe(401);
  });

  it("creates a tenant, shows the API key once and never the HS256 secrets", async () => {
    const id = uniqueTenantId();
    const secret = "a-long-enough-secret-for-hs256-0123456789";
    const res = await admin("/tenants", {
      method: "POST",
      json: { id, name: "Shop", allowedOrigins: ["https://shop.example"], identity: { issuer: `https://${id}.example`, hs256Secrets: [secret] } },
    });
    expect(res.status).toBe(201);
    const text = await res.clone().text();
    expect(text).not.toContain(secret);
    const body = await json<{ tenant: Record<string, unknown>; apiKey: string }>(res);
    expect(body.apiKey).toMatch(/^ck_/);
    expect(body.tenant).toMatchObject({ id, name: "Shop", allowedOrigins: ["https://shop.example"] });
    expect(body.tenant.identity).toEqual({ issuer: `https://${id}.example`, hs256SecretCount: 1 });

    // The key works for the tenant's business API; a guest of the tenant can chat.
    const guest = await session({ tenant: id });
    const conv = await api("/v1/conversations", { method: "POST", token: guest.sessionToken, json: {} });
    const cid = (await json<{ conversation: { id: string } }>(conv)).conversation.id;
    const sent = await api(`/v1/conversations/${cid}/messages`, {
      method: "POST",
      token: body.apiKey,
      json: { clientId: "k1", sender: { role: "agent", id: "ops" }, content: { type: "text", text: "welcome" } },
    });
    expect(sent.status).toBe(201);
    // The same id twice is a conflict.
    const again = await admin("/tenants", { method: "POST", json: { id, name: "Again", identity: { issuer: "x", hs256Secrets: [secret] } } });
    expect(await problemOf(again)).toMatchObject({ status: 409, code: "conflict" });
  });

  it("refuses configurations that would be unsafe", async () => {
    const base = { id: uniqueTenantId(), name: "Bad" };
    const cases: Record<string, unknown>[] = [
      { ...base, identity: { issuer: "x" } },
      { ...base, identity: { issuer: "x", hs256Secrets: ["short"] } },
      { ...base, identity: { issuer: "x", jwksUrl: "javascript:alert(1)" } },
      { ...base, identity: { issuer: "x", jwksUrl: "http://keys.example/jwks.json" } },
      { ...base, identity: { issuer: "x", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } } },
      { ...base, allowedOrigins: ["https://shop.example/path"], identity: { issuer: "x", hs256Secrets: ["s".repeat(32)] } },
      { ...base, id: "Bad:Id", identity: { issuer: "x", hs256Secrets: ["s".repeat(32)] } },
      // Tenant ids name Durable Objects as `<tenant>:<id>` (src/directory/stubs.ts): never a ':'.
      { ...base, id: "bad:id", identity: { issuer: "x", hs256Secrets: ["s".repeat(32)] } },
    ];
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    cases.push({ ...base, identity: { issuer: "x", jwks: { keys: [await exportJWK(privateKey)] } } });
    for (const body of cases) {
      const res = await admin("/tenants", { method: "POST", json: body });
      expect(await problemOf(res), JSON.stringify(body)).toMatchObject({ status: 400, code: "invalid_request" });
    }
  });

  it("refuses a jwksUrl the Worker must never fetch (SSRF), naming identity.jwksUrl", async () => {
    const refused = [
      "https://10.0.0.1/jwks.json",
      "https://169.254.169.254/latest/meta-data",
      "https://[::ffff:192.168.0.1]/jwks",
      "https://[fd00::1]/jwks",
      "https://foo.localhost./jwks",
      "https://0x0a.0.0.1/jwks",
      "https://user:pw@keys.example/jwks.json",
    ];
    for (const jwksUrl of refused) {
      const res = await admin("/tenants", { method: "POST", json: { id: uniqueTenantId(), name: "Keys", identity: { issuer: "x", jwksUrl } } });
      expect(res.status, jwksUrl).toBe(400);
      const problem = await json<{ code: string; errors?: { path: string }[] }>(res);
      expect(problem.code, jwksUrl).toBe("invalid_request");
      expect(problem.errors?.map((e) => e.path), jwksUrl).toContain("identity.jwksUrl");
    }
    const id = uniqueTenantId();
    expect((await admin("/tenants", { method: "POST", json: { id, name: "Keys", identity: { issuer: "x", jwksUrl: "https://keys.example/jwks.json" } } })).status).toBe(201);
    const patch = await admin(`/tenants/${id}`, { method: "PATCH", json: { identity: { issuer: "x", jwksUrl: "https://192.168.1.1/jwks.json" } } });
    expect(patch.status).toBe(400);
    expect((await json<{ errors?: { path: string }[] }>(patch)).errors?.[0]?.path).toBe("identity.jwksUrl");
    // Local development (DEV_SEED, as in these tests) may use a key server on the local host.
    const local = await admin(`/tenants/${id}`, { method: "PATCH", json: { identity: { issuer: "x", jwksUrl: "http://127.0.0.1:8788/jwks.json" } } });
    expect(local.status).toBe(200);
  });

  it("PATCH rotates HS256 secrets: old and new at once, then only the new", async () => {
    const tenant = await createTenant();
    const next = `next-${crypto.randomUUID()}-${crypto.randomUUID()}`;
    const userId = uniqueUser();
    const withOld = () => identityToken(userId, { iss: tenant.id, secret: tenant.secret });
    const withNew = () => identityToken(userId, { iss: tenant.id, secret: next });
    expect((await postSession({ tenant: tenant.id, identityToken: await withNew() })).status).toBe(401);

    const both = await admin(`/tenants/${tenant.id}`, { method: "PATCH", json: { identity: { issuer: tenant.id, hs256Secrets: [next, tenant.secret] } } });
    expect(both.status).toBe(200);
    expect((await postSession({ tenant: tenant.id, identityToken: await withOld() })).status).toBe(201);
    expect((await postSession({ tenant: tenant.id, identityToken: await withNew() })).status).toBe(201);

    await admin(`/tenants/${tenant.id}`, { method: "PATCH", json: { identity: { issuer: tenant.id, hs256Secrets: [next] } } });
    expect((await postSession({ tenant: tenant.id, identityToken: await withOld() })).status).toBe(401);
    expect((await postSession({ tenant: tenant.id, identityToken: await withNew() })).status).toBe(201);

    const renamed = await json<{ tenant: { name: string } }>(await admin(`/tenants/${tenant.id}`, { method: "PATCH", json: { name: "Renamed" } }));
    expect(renamed.tenant.name).toBe("Renamed");
    expect((await admin("/tenants/no-such-tenant", { method: "PATCH", json: { name: "x" } })).status).toBe(404);
  });

  it("mints more API keys per role", async () => {
    const tenant = await createTenant();
    const res = await admin(`/tenants/${tenant.id}/api-keys`, { method: "POST", json: { role: "bot", name: "faq bot" } });
    expect(res.status).toBe(201);
    const key = await json<{ apiKey: string; id: string; role: string; name: string }>(res);
    expect(key).toMatchObject({ role: "bot", name: "faq bot" });
    expect(key.apiKey).toMatch(/^ck_/);
    expect(key.apiKey).not.toBe(tenant.apiKey);
    expect((await admin(`/tenants/${tenant.id}/api-keys`, { method: "POST", json: { role: "owner" } })).status).toBe(400);
    expect((await admin(`/tenants/nope-nope/api-keys`, { method: "POST", json: { role: "bot" } })).status).toBe(404);
  });

  it("verifies identity tokens with an inline JWKS: RS256, ES256 and EdDSA", async () => {
    const rsa = await keyPair("RS256", "rsa-1");
    const ec = await keyPair("ES256", "ec-1");
    const ed = await keyPair("Ed25519", "ed-1");
    const issuer = `https://idp-${crypto.randomUUID()}.example`;
    const tenant = await createTenant({ identity: { issuer, jwks: { keys: [rsa.jwk, ec.jwk, { ...ed.jwk, alg: "EdDSA" }] } } });
    const cases: [CryptoKey, string, string][] = [
      [rsa.privateKey, "RS256", "rsa-1"],
      [ec.privateKey, "ES256", "ec-1"],
      [ed.privateKey, "EdDSA", "ed-1"],
    ];
    for (const [key, alg, kid] of cases) {
      const sub = uniqueUser(alg);
      const res = await postSession({ tenant: tenant.id, identityToken: await signWith(key, alg, issuer, sub, kid) });
      expect(res.status, alg).toBe(201);
      expect((await json<{ user: { id: string; name: string } }>(res)).user).toEqual({ id: sub, name: "Key User", guest: false });
    }
    // Without a kid the key is chosen by type.
    expect((await postSession({ tenant: tenant.id, identityToken: await signWith(ec.privateKey, "ES256", issuer, uniqueUser()) })).status).toBe(201);
    // The EdDSA key declares alg EdDSA, so the other name for it is refused.
    const ed25519 = await postSession({ tenant: tenant.id, identityToken: await signWith(ed.privateKey, "Ed25519", issuer, uniqueUser(), "ed-1") });
    expect(await problemOf(ed25519)).toMatchObject({ status: 401, code: "invalid_token" });
    // A key that is not in the set is refused, whatever kid it claims.
    const stranger = await keyPair("RS256", "rsa-1");
    const forged = await postSession({ tenant: tenant.id, identityToken: await signWith(stranger.privateKey, "RS256", issuer, uniqueUser(), "rsa-1") });
    expect(await problemOf(forged)).toMatchObject({ status: 401, code: "invalid_token" });
    // This tenant has no HS256 secret: HS256 tokens are refused.
    const hs = await postSession({ tenant: tenant.id, identityToken: await identityToken(uniqueUser(), { iss: issuer, secret: "s".repeat(40) }) });
    expect(await problemOf(hs)).toMatchObject({ status: 401, code: "invalid_token" });
  });
});
