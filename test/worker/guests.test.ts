// Guests: a visitor chats without an account, comes back with the guest
// token, and on login their threads move to the identified person.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/ids";
import { api, BOT_KEY, eventually, identityToken, json, openConversation, send, uniqueUser } from "./helpers";
import { myThreads, postSession, problemOf, session, texts } from "./identity-helpers";

describe("guests", () => {
  it("a session without a credential is a new guest with a guest token", async () => {
    const guest = await session({});
    expect(guest.user.guest).toBe(true);
    expect(guest.user.id).toMatch(/^gst_/);
    expect(guest.guestToken).toBeTruthy();
    expect(guest.refreshToken).toBeTruthy();
    const other = await session({});
    expect(other.user.id).not.toBe(guest.user.id);
  });

  it("presenting the guest token again, on any device, is the same guest with the same threads", async () => {
    const guest = await session({});
    const id = await openConversation(guest.sessionToken);
    expect((await send(guest.sessionToken, id, "g1", "hello as a guest")).status).toBe(201);

    const again = await session({ guestToken: guest.guestToken });
    expect(again.user).toEqual({ id: guest.user.id, name: null, guest: true });
    expect(again.deviceId).not.toBe(guest.deviceId);
    expect(await texts(again.sessionToken, id)).toEqual(["hello as a guest"]);
    expect((await myThreads(again.sessionToken)).map((t) => t.id)).toEqual([id]);
  });

  it("a forged or garbled guest token is refused", async () => {
    const guest = await session({});
    const garbled = `${guest.guestToken!.slice(0, -4)}AAAA`;
    expect(await problemOf(await postSession({ guestToken: garbled }))).toMatchObject({ status: 401, code: "invalid_token" });
    expect(await problemOf(await postSession({ guestToken: "cgt_nothing.here" }))).toMatchObject({ status: 401, code: "invalid_token" });
    // A refresh token is not a guest token, even though both are ours.
    expect(await problemOf(await postSession({ guestToken: guest.refreshToken }))).toMatchObject({ status: 401, code: "invalid_token" });
  });

  it("guest writes, logs in, and the thread is in the person's list on a third device with history intact", async () => {
    const guest = await session({});
    const id = await openConversation(guest.sessionToken);
    await send(guest.sessionToken, id, "g1", "I need help with order 42");
    await send(guest.sessionToken, id, "g2", "it never arrived");

    const userId = uniqueUser("merged");
    const login = await postSession({ identityToken: await identityToken(userId, { name: "Maria" }), guestToken: guest.guestToken });
    expect(login.status).toBe(201);
    const loggedIn = await json<{ user: { id: string; guest: boolean }; mergedConversations: string[]; sessionToken: string }>(login);
    expect(loggedIn.user).toMatchObject({ id: userId, guest: false });
    expect(loggedIn.mergedConversations).toEqual([id]);
    // The business sees the thread under the person's name at once, not only after their next message.
    const moved = await json<{ conversation: { customer: { id: string; name: string | null } } }>(await api(`/v1/conversations/${id}`, { token: BOT_KEY }));
    expect(moved.conversation.customer).toMatchObject({ id: userId, name: "Maria" });
    const found = await eventually(
      () => api(`/v1/conversations?q=${encodeURIComponent("Maria")}&limit=100`, { token: BOT_KEY }).then((r) => json<{ conversations: { id: string }[] }>(r)),
      (page) => page.conversations.some((c) => c.id === id),
    );
    expect(found.conversations.map((c) => c.id)).toContain(id);

    // A third device, signed in with only the identity token.
    const third = await session({ identityToken: await identityToken(userId) });
    const list = await myThreads(third.sessionToken);
    expect(list.map((t) => t.id)).toEqual([id]);
    expect(list[0]).toMatchObject({ lastSeq: 2, readSeq: 2, unread: 0 });
    expect(await texts(third.sessionToken, id)).toEqual(["I need help with order 42", "it never arrived"]);
    // The identified person writes on; the guest's old session was signed out by the merge.
    expect((await send(third.sessionToken, id, "u1", "any news?")).status).toBe(201);
    expect(await problemOf(await api(`/v1/conversations/${id}/events`, { token: guest.sessionToken }))).toMatchObject({
      status: 401,
      code: "token_revoked",
    });
    // Nor does it list the moved thread or start a new guest thread.
    expect(await problemOf(await api("/v1/me/conversations", { token: guest.sessionToken }))).toMatchObject({ code: "token_revoked" });
    const fresh = await api("/v1/conversations", { method: "POST", token: guest.sessionToken, json: {} });
    expect(await problemOf(fresh)).toMatchObject({ status: 401, code: "token_revoked" });
    // Opening a conversation continues the merged thread rather than starting another.
    expect(await openConversation(third.sessionToken)).toBe(id);
  });

  it("a guest token merges once; afterwards it is refused with token_revoked", async () => {
    const guest = await session({});
    await openConversation(guest.sessionToken);
    const userId = uniqueUser();
    const first = await postSession({ identityToken: await identityToken(userId), guestToken: guest.guestToken });
    expect(first.status).toBe(201);

    const again = await postSession({ identityToken: await identityToken(userId), guestToken: guest.guestToken });
    expect(await problemOf(again)).toMatchObject({ status: 401, code: "token_revoked" });
    const intoOther = await postSession({ identityToken: await identityToken(uniqueUser()), guestToken: guest.guestToken });
    expect(await problemOf(intoOther)).toMatchObject({ status: 401, code: "token_revoked" });
    expect(await problemOf(await postSession({ guestToken: guest.guestToken }))).toMatchObject({ status: 401, code: "token_revoked" });
    // The guest's devices were signed out by the merge.
    expect(await problemOf(await postSession({ refreshToken: guest.refreshToken }))).toMatchObject({ status: 401, code: "token_revoked" });
  });

  it("only the signed identity token merges: logging in without the guest token moves nothing", async () => {
    const guest = await session({});
    const id = await openConversation(guest.sessionToken);
    await send(guest.sessionToken, id, "g1", "my email is maria@example.com");
    const userId = uniqueUser();
    const person = await session({ identityToken: await identityToken(userId) });
    expect(await myThreads(person.sessionToken)).toEqual([]);
    expect((await api(`/v1/conversations/${id}`, { token: person.sessionToken })).status).toBe(404);
    // The guest is still a guest.
    expect((await session({ guestToken: guest.guestToken })).user.id).toBe(guest.user.id);
  });

  it("a guest token with a bad identity token merges nothing", async () => {
    const guest = await session({});
    await openConversation(guest.sessionToken);
    const bad = await postSession({ identityToken: await identityToken(uniqueUser(), { secret: "x".repeat(40) }), guestToken: guest.guestToken });
    expect(await problemOf(bad)).toMatchObject({ status: 401, code: "invalid_token" });
    expect((await session({ guestToken: guest.guestToken })).user.guest).toBe(true);
  });

  it("a merge interrupted after the guest was claimed is finished by the same person's next login, and only theirs", async () => {
    const guest = await session({});
    const id = await openConversation(guest.sessionToken);
    await send(guest.sessionToken, id, "g1", "before the crash");
    const userId = uniqueUser();
    // The Worker died right after the guest's object accepted the merge.
    const claim = await env.CUSTOMER.getByName(`demo:${guest.user.id}`).claimGuestMerge({
      guestTokenHash: await sha256Hex(guest.guestToken!),
      into: userId,
    });
    expect(claim.ok).toBe(true);
    expect(await problemOf(await postSession({ guestToken: guest.guestToken }))).toMatchObject({ status: 401, code: "token_revoked" });
    const stranger = await postSession({ identityToken: await identityToken(uniqueUser()), guestToken: guest.guestToken });
    expect(await problemOf(stranger)).toMatchObject({ status: 401, code: "token_revoked" });

    const retry = await postSession({ identityToken: await identityToken(userId), guestToken: guest.guestToken });
    expect(retry.status).toBe(201);
    const person = await json<{ sessionToken: string; mergedConversations: string[] }>(retry);
    expect(person.mergedConversations).toEqual([id]);
    expect(await texts(person.sessionToken, id)).toEqual(["before the crash"]);
    // Now the merge is final.
    const again = await postSession({ identityToken: await identityToken(userId), guestToken: guest.guestToken });
    expect(await problemOf(again)).toMatchObject({ status: 401, code: "token_revoked" });
  });
});
