// Signing a device out closes its live sockets at once with 4008 (the person's
// Customer DO tells each of their threads before it answers); the person's
// other devices stay, also when the thread's object had hibernated.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { text, type EventFrame } from "./live-helpers";
import { openThread } from "../support/live-thread";

describe("live revocation", () => {
  it("closes every socket of the signed-out device with 4008 and keeps the others", async () => {
    const { phone, socket } = await openThread("olga");
    const phoneTab1 = await socket("phone");
    const phoneTab2 = await socket("phone");
    const onLaptop = await socket("laptop");
    const bot = await socket("bot");

    expect((await api("/v1/sessions/current", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    expect(await phoneTab1.closed).toEqual({ code: 4008, reason: "token_revoked" });
    expect(await phoneTab2.closed).toEqual({ code: 4008, reason: "token_revoked" });

    onLaptop.send({ type: "send", clientId: "still-here", content: text("laptop still works") });
    expect(await onLaptop.next()).toMatchObject({ type: "ack", seq: 1 });
    expect(((await bot.next()) as EventFrame).event.clientId).toBe("still-here");
  });

  it("finds the device's sockets by tag after the object hibernated", async () => {
    const { id, phone, socket } = await openThread("pia");
    const onPhone = await socket("phone");
    const onLaptop = await socket("laptop");
    const stub = env.CONVERSATION.getByName(`demo:${id}`);
    await evictDurableObject(stub);

    expect((await api("/v1/sessions/current", { method: "DELETE", token: phone.sessionToken })).status).toBe(204);
    expect(await onPhone.closed).toEqual({ code: 4008, reason: "token_revoked" });
    expect(await onLaptop.drain()).toEqual([]);
  });
});
