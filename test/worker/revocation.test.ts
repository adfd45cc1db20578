// A signed-out device is out everywhere, at once: every route refuses its
// still-unexpired session token with 401 token_revoked, and no revoked
// credential mints another (handoff links, refresh, guest merges).
import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, send, uniqueUser, type SessionAnswer } from "./helpers";
import { postSession, problemOf, session } from "./identity-helpers";
import { closedAtOnce } from "./live-helpers";

interface Route {
  name: string;
  call: (token: string, conversationId: string) => Promise<Response>;
}

const text = { type: "text", text: "still me?" };

/** Every route a session token can reach (business-only routes too: 401 comes before 403). */
const ROUTES: Route[] = [
  { name: "GET /v1/sessions", call: (t) => api("/v1/sessions", { token: t }) },
  { name: "DELETE /v1/sessions/current", call: (t) => api("/v1/sessions/current", { method: "DELETE", token: t }) },
  { name: "DELETE /v1/sessions", call: (t) => api("/v1/sessions", { method: "DELETE", token: t }) },
  { name: "POST /v1/conversations", call: (t) => api("/v1/conversations", { method: "POST", token: t, json: {} }) },
  { name: "GET /v1/me/conversations", call: (t) => api("/v1/me/conversations", { token: t }) },
  { name: "GET /v1/conversations/:id", call: (t, id) => api(`/v1/conversations/${id}`, { token: t }) },
  { name: "GET …/events?after", call: (t, id) => api(`/v1/conversations/${id}/events?after=0`, { token: t }) },
  { name: "GET …/events?before", call: (t, id) => api(`/v1/conversations/${id}/events?before=2`, { token: t }) },
  {
    name: "POST …/messages",
    call: (t, id) => api(`/v1/conversations/${id}/messages`, { method: "POST", token: t, json: { clientId: "late", content: text } }),
  },
  { name: "POST …/read", call: (t, id) => api(`/v1/conversations/${id}/read`, { method: "POST", token: t, json: { seq: 1 } }) },
  { name: "POST …/handoff", call: (t, id) => api(`/v1/conversations/${id}/handoff`, { method: "POST", token: t }) },
  {
    name: "POST …/handover",
    call: (t, id) => api(`/v1/conversations/${id}/handover`, { method: "POST", token: t, json: { owner: "agent" } }),
  },
  {
    name: "POST …/payments/:requestId",
    call: (t, id) => api(`/v1/conversations/${id}/payments/pr1`, { method: "POST", token: t, json: { status: "paid" } }),
  },
];

interface Revoked {
  /** The revoked device's session and its thread. */
  device: SessionAnswer;
  conversationId: string;
  /** A handoff link the device made before it was signed out. */
  handoffToken: string;
}

/** A device with a thread and a handoff link, then signed out by `how`. */
async function revokedDevice(how: "sign-out" | "everywhere" | "refresh-reuse" | "guest-merge"): Promise<Revoked> {
  const device =
    how === "guest-merge" ? await session({}) : await openSession(uniqueUser(`rev-${how}`));
  const conversationId = await openConversation(device.sessionToken);
  expect((await send(device.sessionToken, conversationId, "m1", "hello")).status).toBe(201);
  const link = await api(`/v1/conversations/${conversationId}/handoff`, { method: "POST", token: device.sessionToken });
  expect(link.status).toBe(201);
  const { handoffToken } = await json<{ handoffToken: string }>(link);
  switch (how) {
    case "sign-out":
      expect((await api("/v1/sessions/current", { method: "DELETE", token: device.sessionToken })).status).toBe(204);
      break;
    case "everywhere":
      expect((await api("/v1/sessions", { method: "DELETE", token: device.sessionToken })).status).toBe(204);
      break;
    case "refresh-reuse": {
      const refresh = (token: string) => postSession({ deviceId: device.deviceId, refreshToken: token });
      const first = await json<SessionAnswer>(await refresh(device.refreshToken));
      expect((await refresh(first.refreshToken)).status).toBe(201);
      // The first token again, after its successor was spent as well: theft.
      expect(await problemOf(await refresh(device.refreshToken))).toMatchObject({ status: 401, code: "token_revoked" });
      break;
    }
    case "guest-merge":
      await openSession(uniqueUser("merger"), { guestToken: device.guestToken });
      break;
  }
  return { device, conversationId, handoffToken };
}

describe.each(["sign-out", "everywhere", "refresh-reuse", "guest-merge"] as const)("after %s", (how) => {
  it("every route refuses the unexpired session token with 401 token_revoked", async () => {
    const { device, conversationId } = await revokedDevice(how);
    const outcomes: Record<string, unknown> = {};
    for (const route of ROUTES) {
      const res = await route.call(device.sessionToken, conversationId);
      const problem = await problemOf(res);
      outcomes[route.name] = { status: problem.status, code: problem.code, auth: res.headers.get("www-authenticate") !== null };
    }
    const expected = Object.fromEntries(ROUTES.map((r) => [r.name, { status: 401, code: "token_revoked", auth: true }]));
    expect(outcomes).toEqual(expected);
    expect(await closedAtOnce(conversationId, device.sessionToken)).toEqual({ code: 4008, reason: "token_revoked" });
  });

  it("no revoked credential mints another: handoff link, refresh token", async () => {
    const { device, handoffToken } = await revokedDevice(how);
    expect(await problemOf(await postSession({ handoffToken }))).toMatchObject({ status: 401, code: "token_revoked" });
    const refreshed = await problemOf(await postSession({ deviceId: device.deviceId, refreshToken: device.refreshToken }));
    expect(refreshed).toMatchObject({ status: 401, code: "token_revoked" });
  });
});

describe("revocation", () => {
  it("the issue's example: signed out everywhere, the old token gets no handoff link", async () => {
    const s = await openSession(uniqueUser("ex"));
    const id = await openConversation(s.sessionToken);
    expect((await api("/v1/sessions", { method: "DELETE", token: s.sessionToken })).status).toBe(204);
    expect(await problemOf(await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: s.sessionToken }))).toMatchObject({
      status: 401,
      code: "token_revoked",
    });
  });

  it("a guest that signed out everywhere cannot come back or merge with its guest token", async () => {
    const guest = await session({});
    expect((await api("/v1/sessions", { method: "DELETE", token: guest.sessionToken })).status).toBe(204);
    expect(await problemOf(await postSession({ guestToken: guest.guestToken }))).toMatchObject({ status: 401, code: "token_revoked" });
    const { identityToken } = await import("./helpers");
    const merge = await postSession({ identityToken: await identityToken(uniqueUser("late")), guestToken: guest.guestToken });
    expect(await problemOf(merge)).toMatchObject({ status: 401, code: "token_revoked" });
  });

  it("signing out one device leaves the person's other devices and their links working", async () => {
    const user = uniqueUser("two");
    const phone = await openSession(user);
    const laptop = await openSession(user);
    const id = await openConversation(laptop.sessionToken);
    const link = await json<{ handoffToken: string }>(await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: laptop.sessionToken }));
    expect((await api("/v1/sessions/current", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    expect((await send(laptop.sessionToken, id, "ok", "still here")).status).toBe(201);
    expect((await api("/v1/me/conversations", { token: laptop.sessionToken })).status).toBe(200);
    expect((await postSession({ handoffToken: link.handoffToken })).status).toBe(201);
  });

  it("a device that signs in again gets a new session; the token from before the sign-out stays refused", async () => {
    const user = uniqueUser("again");
    const before = await openSession(user);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: before.sessionToken })).status).toBe(204);
    const after = await openSession(user, { deviceId: before.deviceId });
    expect((await api("/v1/me/conversations", { token: after.sessionToken })).status).toBe(200);
    expect(await problemOf(await api("/v1/me/conversations", { token: before.sessionToken }))).toMatchObject({ code: "token_revoked" });
  });
});
