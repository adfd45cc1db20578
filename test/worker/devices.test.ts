// A person's devices: refresh with rotation, reuse detection,
// listing devices, signing out one device or all of them.
import { describe, expect, it } from "vitest";
import { api, identityToken, json, openConversation, openSession, uniqueUser, type SessionAnswer } from "./helpers";
import { postSession, problemOf } from "./identity-helpers";

async function devicesOf(token: string): Promise<{ deviceId: string; createdAt: string; lastSeenAt: string; current: boolean }[]> {
  const res = await api("/v1/sessions", { token });
  expect(res.status).toBe(200);
  return (await json<{ devices: { deviceId: string; createdAt: string; lastSeenAt: string; current: boolean }[] }>(res)).devices;
}

async function refresh(s: Pick<SessionAnswer, "refreshToken" | "deviceId">): Promise<Response> {
  return postSession({ refreshToken: s.refreshToken, deviceId: s.deviceId });
}

describe("devices: refresh and sign-out", () => {
  it("a refresh gives a new session for the same device and rotates the refresh token", async () => {
    const userId = uniqueUser();
    const first = await openSession(userId, { identityToken: await identityToken(userId, { name: "Ana" }) });
    const res = await refresh(first);
    expect(res.status).toBe(201);
    const next = await json<SessionAnswer>(res);
    expect(next.deviceId).toBe(first.deviceId);
    expect(next.user).toEqual({ id: userId, name: "Ana", guest: false });
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.sessionToken).not.toBe(first.sessionToken);
    const id = await openConversation(next.sessionToken);
    expect((await api(`/v1/conversations/${id}`, { token: next.sessionToken })).status).toBe(200);
    // The new refresh token rotates again.
    expect((await refresh(next)).status).toBe(201);
  });

  it("reusing a rotated refresh token revokes the device (theft detection)", async () => {
    const first = await openSession(uniqueUser());
    const second = await json<SessionAnswer>(await refresh(first));
    const next = await json<SessionAnswer>(await refresh(second));
    // `first` again after its successor was spent too: outside the grace window's one case.
    expect(await problemOf(await refresh(first))).toMatchObject({ status: 401, code: "token_revoked" });
    // The legitimate holder's current token stops too, and the device is gone.
    expect(await problemOf(await refresh(next))).toMatchObject({ status: 401, code: "token_revoked" });
    const other = await openSession(first.user.id);
    expect((await devicesOf(other.sessionToken)).map((d) => d.deviceId)).toEqual([other.deviceId]);
  });

  it("a refresh token is bound to its tenant and device", async () => {
    const s = await openSession(uniqueUser());
    expect(await problemOf(await postSession({ refreshToken: s.refreshToken, deviceId: "dev_someoneelse123" }))).toMatchObject({
      status: 401,
      code: "invalid_token",
    });
    expect(await problemOf(await postSession({ refreshToken: "crt_garbage.token" }))).toMatchObject({ status: 401, code: "invalid_token" });
    // Still valid for its own device (the failed attempts changed nothing).
    expect((await refresh(s)).status).toBe(201);
  });

  it("GET /v1/sessions lists the person's devices and marks the current one", async () => {
    const userId = uniqueUser();
    const phone = await openSession(userId);
    const laptop = await openSession(userId);
    const devices = await devicesOf(laptop.sessionToken);
    expect(devices).toHaveLength(2);
    expect(devices.find((d) => d.deviceId === laptop.deviceId)?.current).toBe(true);
    expect(devices.find((d) => d.deviceId === phone.deviceId)?.current).toBe(false);
    for (const d of devices) {
      expect(Date.parse(d.createdAt)).not.toBeNaN();
      expect(Date.parse(d.lastSeenAt)).not.toBeNaN();
    }
  });

  it("DELETE /v1/sessions/current signs out this device only; its refresh token stops at once", async () => {
    const userId = uniqueUser();
    const phone = await openSession(userId);
    const laptop = await openSession(userId);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: laptop.sessionToken })).status).toBe(204);
    expect(await problemOf(await refresh(laptop))).toMatchObject({ status: 401, code: "token_revoked" });
    expect((await devicesOf(phone.sessionToken)).map((d) => d.deviceId)).toEqual([phone.deviceId]);
    expect((await refresh(phone)).status).toBe(201);
  });

  it("DELETE /v1/sessions signs out every device of the person", async () => {
    const userId = uniqueUser();
    const phone = await openSession(userId);
    const laptop = await openSession(userId);
    expect((await api("/v1/sessions", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    expect(await problemOf(await refresh(phone))).toMatchObject({ status: 401, code: "token_revoked" });
    expect(await problemOf(await refresh(laptop))).toMatchObject({ status: 401, code: "token_revoked" });
    // Signing in again on a signed-out device works: it is a fresh session.
    const back = await openSession(userId, { deviceId: laptop.deviceId });
    expect(back.deviceId).toBe(laptop.deviceId);
    expect((await refresh(back)).status).toBe(201);
  });

  it("the session routes need a customer session", async () => {
    expect(await problemOf(await api("/v1/sessions"))).toMatchObject({ status: 401, code: "invalid_token" });
    expect((await api("/v1/sessions", { token: "ck_demo_bot_change_me_0123456789abcdef" })).status).toBe(403);
  });

  it("one proof per request", async () => {
    const s = await openSession(uniqueUser());
    const res = await postSession({ identityToken: await identityToken(uniqueUser()), refreshToken: s.refreshToken });
    expect(await problemOf(res)).toMatchObject({ status: 400, code: "invalid_request" });
  });
});
