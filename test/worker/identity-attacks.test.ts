// Attacks on identity: every one of these must be refused.
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { BOT_KEY, DEMO_SECRET, api, identityToken, json, openConversation, openSession, send, uniqueUser, type SessionAnswer } from "./helpers";
import { createTenant, postSession, problemOf } from "./identity-helpers";

const enc = new TextEncoder();

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function claims(sub: string, iss = "demo"): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss, aud: "carryover", sub, iat: now, exp: now + 600 };
}

/** A demo-tenant token, correctly signed with the demo secret, with extra header fields. */
function withHeader(header: Record<string, unknown>, sub = uniqueUser()): Promise<string> {
  return new SignJWT(claims(sub))
    .setProtectedHeader({ alg: "HS256", ...header })
    .sign(enc.encode(DEMO_SECRET));
}

async function expectRefused(token: string, code = "invalid_token", tenant = "demo"): Promise<void> {
  const res = await postSession({ tenant, identityToken: token });
  expect(await problemOf(res)).toMatchObject({ status: 401, code, type: "application/problem+json" });
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
}

describe("identity attacks", () => {
  it("the reference token is accepted (so every refusal below is about the attack)", async () => {
    expect((await postSession({ identityToken: await withHeader({}) })).status).toBe(201);
  });

  it("alg: none is refused", async () => {
    await expectRefused(`${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims(uniqueUser()))}.`);
    await expectRefused(`${b64url({ alg: "None" })}.${b64url(claims(uniqueUser()))}.`);
  });

  it("algorithms outside the allow-list are refused", async () => {
    const sub = uniqueUser();
    await expectRefused(await new SignJWT(claims(sub)).setProtectedHeader({ alg: "HS512" }).sign(enc.encode(DEMO_SECRET)));
    const { privateKey } = await generateKeyPair("PS256");
    await expectRefused(await new SignJWT(claims(sub)).setProtectedHeader({ alg: "PS256" }).sign(privateKey));
  });

  it("algorithm confusion: HS256 signed with a JWKS tenant's public key is refused", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1" };
    const issuer = `iss-${crypto.randomUUID()}`;
    const tenant = await createTenant({ identity: { issuer, jwks: { keys: [jwk] } } });
    const good = await new SignJWT(claims(uniqueUser(), issuer)).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(privateKey);
    expect((await postSession({ tenant: tenant.id, identityToken: good })).status).toBe(201);
    for (const secret of [await exportSPKI(publicKey), JSON.stringify(jwk), jwk.n!]) {
      const forged = await new SignJWT(claims(uniqueUser(), issuer)).setProtectedHeader({ alg: "HS256", kid: "k1" }).sign(enc.encode(secret));
      await expectRefused(forged, "invalid_token", tenant.id);
    }
  });

  it("kid with path or SQL characters is refused", async () => {
    for (const kid of ["../../../../etc/passwd", "/dev/null", "1' OR '1'='1", "k1; DROP TABLE tenants;--", "..", "a\u0000b"]) {
      await expectRefused(await withHeader({ kid }));
    }
  });

  it("jku, x5u, jwk and x5c headers are refused", async () => {
    await expectRefused(await withHeader({ jku: "https://attacker.example/jwks.json" }));
    await expectRefused(await withHeader({ x5u: "https://attacker.example/cert.pem" }));
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const embedded = await new SignJWT(claims(uniqueUser()))
      .setProtectedHeader({ alg: "ES256", jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    await expectRefused(embedded);
    await expectRefused(await withHeader({ x5c: ["MIIB"] }));
  });

  it("expired tokens are token_expired", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await identityToken(uniqueUser(), { iat: now - 900, expiresIn: 600 }), "token_expired");
  });

  it("tokens not yet valid (nbf or iat in the future beyond 60 s) are refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    const nbf = await new SignJWT({ ...claims(uniqueUser()), nbf: now + 300 }).setProtectedHeader({ alg: "HS256" }).sign(enc.encode(DEMO_SECRET));
    await expectRefused(nbf);
    await expectRefused(await identityToken(uniqueUser(), { iat: now + 300 }));
    // Within tolerance is fine: clocks drift.
    expect((await postSession({ identityToken: await identityToken(uniqueUser(), { iat: now + 20 }) })).status).toBe(201);
  });

  it("tokens that would live longer than an hour are refused", async () => {
    await expectRefused(await identityToken(uniqueUser(), { expiresIn: 30 * 24 * 3600 }));
  });

  it("wrong iss, wrong aud and missing sub are refused", async () => {
    await expectRefused(await identityToken(uniqueUser(), { iss: "someone-else" }));
    await expectRefused(await identityToken(uniqueUser(), { aud: "another-service" }));
    await expectRefused(await identityToken(uniqueUser(), { sub: null }));
    await expectRefused(await identityToken("gst_PretendToBeAGuest0000"));
    // Messenger users' person ids: a business token claiming one would open that user's Messenger/WhatsApp threads.
    await expectRefused(await identityToken("msgr_179614597184577"));
    await expectRefused(await identityToken("wa_15551234567"));
  });

  it("a token of tenant A is refused by tenant B", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const token = await identityToken(uniqueUser(), { iss: a.id, secret: a.secret });
    expect((await postSession({ tenant: a.id, identityToken: token })).status).toBe(201);
    await expectRefused(token, "invalid_token", b.id);
    // Even when B trusts the same issuer name, A's secret is not B's.
    const sameIssuer = await identityToken(uniqueUser(), { iss: b.id, secret: a.secret });
    await expectRefused(sameIssuer, "invalid_token", b.id);
  });

  it("a session of tenant A never reaches tenant B's threads", async () => {
    const b = await createTenant();
    const bob = await postSession({ tenant: b.id, identityToken: await identityToken(uniqueUser(), { iss: b.id, secret: b.secret }) });
    const bobSession = await json<SessionAnswer>(bob);
    const id = await openConversation(bobSession.sessionToken);
    const alice = await openSession(uniqueUser("alice"));
    expect((await api(`/v1/conversations/${id}`, { token: alice.sessionToken })).status).toBe(404);
    expect((await api(`/v1/conversations/${id}`, { token: BOT_KEY })).status).toBe(404);
  });

  it("a session of Alice reading Bob's thread is 404, like a thread that does not exist", async () => {
    const alice = await openSession(uniqueUser("alice"));
    const bob = await openSession(uniqueUser("bob"));
    const id = await openConversation(bob.sessionToken);
    await send(bob.sessionToken, id, "b1", "private");
    for (const path of [`/v1/conversations/${id}`, `/v1/conversations/${id}/events`]) {
      expect(await problemOf(await api(path, { token: alice.sessionToken }))).toMatchObject({ status: 404, code: "not_found" });
    }
    expect((await send(alice.sessionToken, id, "a1", "intrusion")).status).toBe(404);
    expect((await api(`/v1/conversations/${id}/read`, { method: "POST", token: alice.sessionToken, json: { seq: 1 } })).status).toBe(404);
    expect((await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: alice.sessionToken })).status).toBe(404);
  });

  it("a forged session token is refused", async () => {
    const alice = await openSession(uniqueUser("alice"));
    const [h, p] = alice.sessionToken.split(".");
    const payload = JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const forged = `${h}.${b64url({ ...payload, sub: "bob" })}.${alice.sessionToken.split(".")[2]}`;
    expect(await problemOf(await api("/v1/me/conversations", { token: forged }))).toMatchObject({ status: 401, code: "invalid_token" });
  });

  it("handoff replay is token_revoked", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const res = await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: s.sessionToken });
    const { handoffToken } = await json<{ handoffToken: string }>(res);
    expect((await postSession({ handoffToken })).status).toBe(201);
    expect(await problemOf(await postSession({ handoffToken }))).toMatchObject({ status: 401, code: "token_revoked" });
  });

  it("refresh-token reuse is token_revoked and signs the device out", async () => {
    const s = await openSession(uniqueUser());
    const rotated = await json<SessionAnswer>(await postSession({ refreshToken: s.refreshToken }));
    const next = await json<SessionAnswer>(await postSession({ refreshToken: rotated.refreshToken }));
    // `s.refreshToken` again after its successor was spent too (the grace window's one case is past).
    expect(await problemOf(await postSession({ refreshToken: s.refreshToken }))).toMatchObject({ status: 401, code: "token_revoked" });
    expect(await problemOf(await postSession({ refreshToken: next.refreshToken }))).toMatchObject({ status: 401, code: "token_revoked" });
  });

  it("a revoked device's refresh token is token_revoked", async () => {
    const s = await openSession(uniqueUser());
    expect((await api("/v1/sessions/current", { method: "DELETE", token: s.sessionToken })).status).toBe(204);
    expect(await problemOf(await postSession({ refreshToken: s.refreshToken }))).toMatchObject({ status: 401, code: "token_revoked" });
  });
});
