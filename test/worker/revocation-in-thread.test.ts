// The thread's own revocation check (src/conversation/revoked-sessions.ts):
// conversation routes and the thread's socket no longer ask the Customer DO,
// so every thread a signed-out session could reach must already know — the
// person's threads when the sign-out is answered, a thread created later, a
// guest thread merged in later — and every session token the device holds.
import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, send, uniqueUser, type SessionAnswer } from "./helpers";
import { postSession, problemOf, session } from "./identity-helpers";
import { liveResponse } from "./live-helpers";

/** The answers of the thread's routes to `token`: status and problem code each. */
async function threadRoutes(token: string, id: string): Promise<Record<string, string>> {
  const calls: Record<string, () => Promise<Response>> = {
    get: () => api(`/v1/conversations/${id}`, { token }),
    events: () => api(`/v1/conversations/${id}/events?after=0`, { token }),
    send: () => api(`/v1/conversations/${id}/messages`, { method: "POST", token, json: { clientId: crypto.randomUUID(), content: { type: "text", text: "x" } } }),
    read: () => api(`/v1/conversations/${id}/read`, { method: "POST", token, json: { seq: 1 } }),
    handoff: () => api(`/v1/conversations/${id}/handoff`, { method: "POST", token }),
  };
  const out: Record<string, string> = {};
  for (const [name, call] of Object.entries(calls)) {
    const res = await call();
    out[name] = res.ok ? String(res.status) : `${res.status} ${(await problemOf(res)).code}`;
  }
  return out;
}

const REFUSED = { get: "401 token_revoked", events: "401 token_revoked", send: "401 token_revoked", read: "401 token_revoked", handoff: "401 token_revoked" };

async function liveCloseCode(id: string, token: string): Promise<number> {
  const res = await liveResponse(id, ["carryover.v1", `bearer.${token}`]);
  const ws = res.webSocket!;
  const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
  ws.accept();
  return closed;
}

describe("revocation checked in the thread", () => {
  it("a thread created after the sign-out refuses the signed-out session too", async () => {
    const user = uniqueUser("later");
    const phone = await openSession(user);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    const laptop = await openSession(user);
    const id = await openConversation(laptop.sessionToken);
    expect(await threadRoutes(phone.sessionToken, id)).toEqual(REFUSED);
    expect(await liveCloseCode(id, phone.sessionToken)).toBe(4008);
    expect((await send(laptop.sessionToken, id, "ok", "still here")).status).toBe(201);
  });

  it("a guest thread merged in after the person's sign-out refuses that session", async () => {
    const user = uniqueUser("merge-later");
    const phone = await openSession(user);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    const guest = await session({});
    const id = await openConversation(guest.sessionToken);
    expect((await send(guest.sessionToken, id, "g1", "hi as a guest")).status).toBe(201);
    const laptop = await openSession(user, { guestToken: guest.guestToken });
    expect((await send(laptop.sessionToken, id, "l1", "hi as the person")).status).toBe(201);
    expect(await threadRoutes(phone.sessionToken, id)).toEqual(REFUSED);
    expect(await threadRoutes(guest.sessionToken, id)).toEqual(REFUSED);
  });

  it("every session token the device got (sign-in and each refresh) is refused after its sign-out", async () => {
    const first = await openSession(uniqueUser("refreshed"));
    const id = await openConversation(first.sessionToken);
    const second = await json<SessionAnswer>(await postSession({ deviceId: first.deviceId, refreshToken: first.refreshToken }));
    const third = await json<SessionAnswer>(await postSession({ deviceId: first.deviceId, refreshToken: second.refreshToken }));
    expect((await send(first.sessionToken, id, "a", "from the first token")).status).toBe(201);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: third.sessionToken })).status).toBe(204);
    for (const token of [first.sessionToken, second.sessionToken, third.sessionToken]) {
      expect(await threadRoutes(token, id)).toEqual(REFUSED);
    }
  });

  it("signing in again on the same device after a sign-out: the new session works in every thread, the old one stays refused", async () => {
    const user = uniqueUser("again");
    const before = await openSession(user);
    const id = await openConversation(before.sessionToken);
    expect((await api("/v1/sessions", { method: "DELETE", token: before.sessionToken })).status).toBe(204);
    const after = await openSession(user, { deviceId: before.deviceId });
    expect(await threadRoutes(after.sessionToken, id)).toEqual({ get: "200", events: "200", send: "201", read: "204", handoff: "201" });
    expect(await threadRoutes(before.sessionToken, id)).toEqual(REFUSED);
  });
});
