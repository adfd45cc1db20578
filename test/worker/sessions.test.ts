// POST /v1/sessions with an identity token signed by the tenant's backend.
import { describe, expect, it } from "vitest";
import { api, identityToken, json, uniqueUser, type SessionAnswer } from "./helpers";

async function createSession(token: string, tenant = "demo"): Promise<Response> {
  return api("/v1/sessions", { method: "POST", json: { tenant, identityToken: token } });
}

async function expectUnauthorized(res: Response, code: string): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  const problem = await json(res);
  expect(problem).toMatchObject({ status: 401, code, type: `https://carryover.dev/errors/${code}` });
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+/);
}

describe("sessions from identity tokens", () => {
  it("gives a device a 15-minute session bound to the user", async () => {
    const user = uniqueUser("alice");
    const res = await createSession(await identityToken(user, { name: "Alice" }));
    expect(res.status).toBe(201);
    const body = await json<SessionAnswer>(res);
    expect(body.user).toEqual({ id: user, name: "Alice", guest: false });
    expect(body.deviceId).toMatch(/^dev_/);
    expect(body.refreshToken).toBeTruthy();
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    const list = await api("/v1/me/conversations", { token: body.sessionToken });
    expect(list.status).toBe(200);
  });

  it("keeps the device id a device presents", async () => {
    const deviceId = "dev_abcdefghijklmnopqrstuv";
    const res = await api("/v1/sessions", {
      method: "POST",
      json: { tenant: "demo", deviceId, identityToken: await identityToken(uniqueUser()) },
    });
    expect((await json<SessionAnswer>(res)).deviceId).toBe(deviceId);
  });

  it("rejects a token signed with another secret", async () => {
    await expectUnauthorized(
      await createSession(await identityToken(uniqueUser(), { secret: "another-secret-that-is-long-enough-0123456789" })),
      "invalid_token",
    );
  });

  it("rejects an expired token as token_expired", async () => {
    const iat = Math.floor(Date.now() / 1000) - 3000;
    await expectUnauthorized(await createSession(await identityToken(uniqueUser(), { iat, expiresIn: 600 })), "token_expired");
  });

  it("accepts a token that expired within the 60 s clock tolerance", async () => {
    const iat = Math.floor(Date.now() / 1000) - 630;
    expect((await createSession(await identityToken(uniqueUser(), { iat, expiresIn: 600 }))).status).toBe(201);
  });

  it("rejects a token for another audience", async () => {
    await expectUnauthorized(await createSession(await identityToken(uniqueUser(), { aud: "someone-else" })), "invalid_token");
  });

  it("rejects a token from another issuer", async () => {
    await expectUnauthorized(await createSession(await identityToken(uniqueUser(), { iss: "not-demo" })), "invalid_token");
  });

  it("rejects a token without sub", async () => {
    await expectUnauthorized(await createSession(await identityToken(uniqueUser(), { sub: null })), "invalid_token");
  });

  it("rejects a token living longer than an hour", async () => {
    await expectUnauthorized(await createSession(await identityToken(uniqueUser(), { expiresIn: 24 * 3600 })), "invalid_token");
  });

  it("rejects garbage and an unknown tenant", async () => {
    await expectUnauthorized(await createSession("not-a-jwt"), "invalid_token");
    await expectUnauthorized(await createSession(await identityToken(uniqueUser()), "no-such-tenant"), "invalid_token");
  });

  it("answers 401 problem+json to API calls without a valid bearer", async () => {
    await expectUnauthorized(await api("/v1/me/conversations"), "invalid_token");
    await expectUnauthorized(await api("/v1/me/conversations", { token: "eyJhbGciOiJIUzI1NiJ9.e30.bad" }), "invalid_token");
    await expectUnauthorized(await api("/v1/me/conversations", { token: "ck_unknown_key" }), "invalid_token");
  });
});
