// Handoff: a thread started in the app continues on the website (or any
// device) through a single-use, 5-minute link.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signHandoffToken } from "../../src/auth/handoff-token";
import { BOT_KEY, api, identityToken, json, openConversation, openSession, send, uniqueUser } from "./helpers";
import { createTenant, myThreads, postSession, problemOf, session, texts } from "./identity-helpers";

interface HandoffAnswer {
  handoffToken: string;
  url: string;
  expiresAt: string;
}

async function handoff(token: string, conversationId: string): Promise<HandoffAnswer> {
  const res = await api(`/v1/conversations/${conversationId}/handoff`, { method: "POST", token });
  if (res.status !== 201) throw new Error(`handoff failed: ${res.status} ${await res.text()}`);
  return json<HandoffAnswer>(res);
}

function sessionKey(): Uint8Array {
  return new TextEncoder().encode(env.SESSION_SECRET!);
}

describe("handoff", () => {
  it("app → handoff → the website sees the whole thread and writes in it", async () => {
    const userId = uniqueUser("alice");
    const app = await openSession(userId, { identityToken: await identityToken(userId, { name: "Alice" }) });
    const id = await openConversation(app.sessionToken);
    await send(app.sessionToken, id, "a1", "hi from the app");
    await api(`/v1/conversations/${id}/messages`, {
      method: "POST",
      token: BOT_KEY,
      json: { clientId: "b1", sender: { role: "bot", id: "shopbot" }, content: { type: "text", text: "hello Alice" } },
    });

    const link = await handoff(app.sessionToken, id);
    const url = new URL(link.url);
    expect(url.origin).toBe("https://carryover.test");
    expect(url.searchParams.get("tenant")).toBe("demo");
    expect(url.searchParams.get("handoff")).toBe(link.handoffToken);
    const expiresIn = Date.parse(link.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(5 * 60 * 1000);

    const website = await session({ handoffToken: url.searchParams.get("handoff") });
    expect(website.conversationId).toBe(id);
    expect(website.user).toEqual({ id: userId, name: "Alice", guest: false });
    expect(website.deviceId).not.toBe(app.deviceId);
    expect(await texts(website.sessionToken, id)).toEqual(["hi from the app", "hello Alice"]);
    expect((await send(website.sessionToken, id, "w1", "continuing on the website")).status).toBe(201);
    expect(await texts(app.sessionToken, id)).toEqual(["hi from the app", "hello Alice", "continuing on the website"]);

    // Both devices are the person's, each with its own session.
    const devices = await json<{ devices: { deviceId: string; current: boolean }[] }>(
      await api("/v1/sessions", { token: website.sessionToken }),
    );
    expect(devices.devices.map((d) => d.deviceId).sort()).toEqual([app.deviceId, website.deviceId].sort());
    expect((await myThreads(website.sessionToken)).map((t) => t.id)).toEqual([id]);
  });

  it("a handoff token works once: a replay is token_revoked", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const link = await handoff(s.sessionToken, id);
    expect((await postSession({ handoffToken: link.handoffToken })).status).toBe(201);
    expect(await problemOf(await postSession({ handoffToken: link.handoffToken }))).toMatchObject({
      status: 401,
      code: "token_revoked",
    });
  });

  it("an expired handoff token is token_expired", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const { token } = await signHandoffToken(
      sessionKey(),
      { tenant: "demo", userId: s.user.id, conversationId: id, guest: false },
      new Date(Date.now() - 6 * 60 * 1000),
    );
    const res = await postSession({ handoffToken: token });
    expect(await problemOf(res)).toMatchObject({ status: 401, code: "token_expired" });
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("a handoff token of one tenant is invalid for another", async () => {
    const other = await createTenant();
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const link = await handoff(s.sessionToken, id);
    expect(await problemOf(await postSession({ tenant: other.id, handoffToken: link.handoffToken }))).toMatchObject({
      status: 401,
      code: "invalid_token",
    });
    // Refused for the other tenant, it still works for its own.
    expect((await postSession({ handoffToken: link.handoffToken })).status).toBe(201);
  });

  it("nobody gets a handoff for a thread that is not theirs", async () => {
    const alice = await openSession(uniqueUser("alice"));
    const bob = await openSession(uniqueUser("bob"));
    const id = await openConversation(alice.sessionToken);
    const res = await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: bob.sessionToken });
    expect(await problemOf(res)).toMatchObject({ status: 404, code: "not_found" });
    // Business callers may make handoff links (API.md "Messenger channels"), for their own tenant's threads only.
    const byKey = await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: BOT_KEY });
    expect(byKey.status).toBe(201);
    const otherTenant = await createTenant();
    const foreign = await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: otherTenant.apiKey });
    expect(await problemOf(foreign)).toMatchObject({ status: 404, code: "not_found" });
  });

  it("a session token is not a handoff token, nor a forged one", async () => {
    const s = await openSession(uniqueUser());
    await openConversation(s.sessionToken);
    expect(await problemOf(await postSession({ handoffToken: s.sessionToken }))).toMatchObject({ status: 401, code: "invalid_token" });
  });

  it("a guest hands off too, and the new device gets its own guest token for the same guest", async () => {
    const guest = await session({});
    const id = await openConversation(guest.sessionToken);
    await send(guest.sessionToken, id, "g1", "from the phone");
    const link = await handoff(guest.sessionToken, id);
    const laptop = await session({ handoffToken: link.handoffToken });
    expect(laptop.user).toEqual({ id: guest.user.id, name: null, guest: true });
    expect(laptop.guestToken).toBeTruthy();
    expect(laptop.guestToken).not.toBe(guest.guestToken);
    expect(await texts(laptop.sessionToken, id)).toEqual(["from the phone"]);
    expect((await session({ guestToken: laptop.guestToken })).user.id).toBe(guest.user.id);
  });
});
