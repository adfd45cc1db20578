// Signing out through the API ends live sockets at once (4008), and a
// signed-out device cannot open a new one with a token that is still unexpired.
import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, uniqueUser, type SessionAnswer } from "./helpers";
import { closedAtOnce, openReady, text } from "./live-helpers";
import { openSoloThread, openThread } from "../support/live-thread";

describe("sign-out and live sockets", () => {
  it("DELETE /v1/sessions/current closes this device's sockets and keeps the others", async () => {
    const { id, phone, socket } = await openThread("sol");
    const onPhone = await socket("phone");
    const onLaptop = await socket("laptop");

    expect((await api("/v1/sessions/current", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    expect(await onPhone.closed).toEqual({ code: 4008, reason: "token_revoked" });

    onLaptop.send({ type: "send", clientId: "after", content: text("still here") });
    expect(await onLaptop.next()).toMatchObject({ type: "ack", clientId: "after" });
    expect(await closedAtOnce(id, phone.sessionToken)).toEqual({ code: 4008, reason: "token_revoked" });
  });

  it("DELETE /v1/sessions closes the sockets of every device", async () => {
    const { laptop, socket } = await openThread("tim");
    const onPhone = await socket("phone");
    const onLaptop = await socket("laptop");

    expect((await api("/v1/sessions", { method: "DELETE", token: laptop.sessionToken })).status).toBe(204);
    expect(await onPhone.closed).toMatchObject({ code: 4008 });
    expect(await onLaptop.closed).toMatchObject({ code: 4008 });
  });

  it("a reused refresh token revokes the device and closes its sockets", async () => {
    const { phone, socket } = await openSoloThread("uma");
    const onPhone = await socket("phone");
    const refresh = (token: string) =>
      api("/v1/sessions", { method: "POST", json: { tenant: "demo", deviceId: phone.deviceId, refreshToken: token } });

    const second = await json<SessionAnswer>(await refresh(phone.refreshToken));
    expect((await refresh(second.refreshToken)).status).toBe(201);
    expect((await refresh(phone.refreshToken)).status).toBe(401);
    expect(await onPhone.closed).toEqual({ code: 4008, reason: "token_revoked" });
  });

  it("a guest's sockets close when the guest is merged into the person", async () => {
    const guestRes = await api("/v1/sessions", { method: "POST", json: { tenant: "demo" } });
    const guest = await json<SessionAnswer>(guestRes);
    const id = await openConversation(guest.sessionToken);
    const asGuest = await openReady(id, guest.sessionToken);

    await openSession(uniqueUser("vic"), { guestToken: guest.guestToken });
    expect(await asGuest.closed).toEqual({ code: 4008, reason: "token_revoked" });
  });
});
