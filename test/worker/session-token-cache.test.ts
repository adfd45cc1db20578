// The isolate's cache of verified session tokens (src/auth/session-token-cache.ts)
// must never let through what verification would refuse: a token that expired
// after it was cached, a session signed out after its token was cached, or a
// token that differs from a cached one in any byte.
import { env } from "cloudflare:test";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { SESSION_TTL_S, signSessionToken } from "../../src/auth/session-token";
import { api, json, openConversation, openSession, send, uniqueUser } from "./helpers";

const key = () => new TextEncoder().encode(env.SESSION_SECRET!);

describe("session token cache", () => {
  it("refuses a token with token_expired once it expires, though it was used (and cached) before", async () => {
    const user = uniqueUser("exp");
    const s = await openSession(user);
    const id = await openConversation(s.sessionToken);
    const claims = decodeJwt(s.sessionToken);
    // Issued so that it expires 2 s from now (the TTL is fixed; `now` is moved back).
    const short = await signSessionToken(
      key(),
      { tenant: "demo", userId: user, deviceId: s.deviceId, sessionId: claims.sid as string, guest: false },
      new Date(Date.now() - (SESSION_TTL_S - 2) * 1000),
    );
    expect((await send(short.token, id, "c1", "before expiry")).status).toBe(201);
    expect((await send(short.token, id, "c2", "still before expiry")).status).toBe(201);
    await new Promise((r) => setTimeout(r, Date.parse(short.expiresAt) - Date.now() + 1100));
    const late = await send(short.token, id, "c3", "after expiry");
    expect(late.status).toBe(401);
    expect((await json(late)).code).toBe("token_expired");
    // Nothing was appended by the refused request.
    const events = await json<{ events: { clientId?: string }[] }>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(events.events.map((e) => e.clientId)).toEqual(["c1", "c2"]);
  });

  it("refuses a cached token at once after its session signs out (token_revoked)", async () => {
    const s = await openSession(uniqueUser("out"));
    const id = await openConversation(s.sessionToken);
    expect((await send(s.sessionToken, id, "a", "hello")).status).toBe(201);
    expect((await api(`/v1/conversations/${id}`, { token: s.sessionToken })).status).toBe(200);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: s.sessionToken })).status).toBe(204);
    for (const res of [await send(s.sessionToken, id, "b", "after sign-out"), await api(`/v1/conversations/${id}`, { token: s.sessionToken })]) {
      expect(res.status).toBe(401);
      expect((await json(res)).code).toBe("token_revoked");
    }
  });

  it("refuses a token whose signature differs from a cached token's, and one signed with another secret", async () => {
    const user = uniqueUser("sig");
    const s = await openSession(user);
    const id = await openConversation(s.sessionToken);
    expect((await send(s.sessionToken, id, "a", "hello")).status).toBe(201);
    const [head, body, sig] = s.sessionToken.split(".") as [string, string, string];
    const flipped = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`;
    const claims = decodeJwt(s.sessionToken);
    const forged = await signSessionToken(new TextEncoder().encode("another-secret-of-at-least-32-characters!"), {
      tenant: "demo",
      userId: user,
      deviceId: s.deviceId,
      sessionId: claims.sid as string,
      guest: false,
    });
    for (const token of [flipped, forged.token]) {
      const res = await send(token, id, "x", "forged");
      expect(res.status).toBe(401);
      expect((await json(res)).code).toBe("invalid_token");
    }
  });
});
