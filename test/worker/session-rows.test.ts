// A device's current session lives in its devices row alone; the Customer DO
// records a session in its own row only when the session is replaced (a new
// sign-in on the device, a refresh) or signed out (src/customer/devices.ts,
// recordCurrent). Every session a device was given must still end with the
// device's sign-out — and stay ended after the device signs in again — on
// every route: those the Customer DO checks (/v1/me/…) and those the thread
// checks from the revocations pushed to it (messages).
import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, send, uniqueUser, type SessionAnswer } from "./helpers";
import { postSession, problemOf } from "./identity-helpers";

async function accepted(token: string): Promise<boolean> {
  const res = await api("/v1/me/conversations", { token });
  if (res.status === 200) return true;
  expect(await problemOf(res)).toMatchObject({ status: 401, code: "token_revoked" });
  return false;
}

describe("session rows recorded on replacement and sign-out", () => {
  it("a session replaced by a new sign-in on the device stays usable, and ends with the device's sign-out, for good", async () => {
    const userId = uniqueUser("rows");
    const first = await openSession(userId);
    const second = await openSession(userId, { deviceId: first.deviceId });
    // Replacing a session does not sign it out (as before: it lives until its token expires).
    expect(await accepted(first.sessionToken)).toBe(true);
    expect(await accepted(second.sessionToken)).toBe(true);

    expect((await api("/v1/sessions/current", { method: "DELETE", token: second.sessionToken })).status).toBe(204);
    expect(await accepted(first.sessionToken)).toBe(false);
    expect(await accepted(second.sessionToken)).toBe(false);

    // Signed in again on the same device: only the new session is good.
    const third = await openSession(userId, { deviceId: first.deviceId });
    expect(await accepted(third.sessionToken)).toBe(true);
    expect(await accepted(first.sessionToken)).toBe(false);
    expect(await accepted(second.sessionToken)).toBe(false);
  });

  it("a refreshed session's predecessor ends with the sign-out too, and stays ended after a new sign-in", async () => {
    const userId = uniqueUser("rows-refresh");
    const first = await openSession(userId);
    const res = await postSession({ refreshToken: first.refreshToken, deviceId: first.deviceId });
    expect(res.status).toBe(201);
    const refreshed = await json<SessionAnswer>(res);
    expect(await accepted(first.sessionToken)).toBe(true);

    expect((await api("/v1/sessions", { method: "DELETE", token: refreshed.sessionToken })).status).toBe(204);
    const again = await openSession(userId, { deviceId: first.deviceId });
    expect(await accepted(again.sessionToken)).toBe(true);
    expect(await accepted(first.sessionToken)).toBe(false);
    expect(await accepted(refreshed.sessionToken)).toBe(false);
  });

  it("a thread refuses the signed-out session of a device that signed in once (no row before the sign-out)", async () => {
    const userId = uniqueUser("rows-thread");
    const only = await openSession(userId);
    const conversation = await openConversation(only.sessionToken);
    expect((await send(only.sessionToken, conversation, "c-1", "before")).status).toBe(201);

    expect((await api("/v1/sessions/current", { method: "DELETE", token: only.sessionToken })).status).toBe(204);
    expect(await problemOf(await send(only.sessionToken, conversation, "c-2", "after"))).toMatchObject({ status: 401, code: "token_revoked" });

    const back = await openSession(userId, { deviceId: only.deviceId });
    expect((await send(back.sessionToken, conversation, "c-3", "back")).status).toBe(201);
    expect(await problemOf(await send(only.sessionToken, conversation, "c-4", "still out"))).toMatchObject({ status: 401, code: "token_revoked" });
  });
});
