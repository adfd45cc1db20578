// Signing a device out closes its live sockets at once with 4008, through the
// Conversation DO's disconnectDevice RPC; the person's other devices stay.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { text, type EventFrame } from "./live-helpers";
import { openThread } from "../support/live-thread";

describe("live revocation", () => {
  it("closes every socket of the signed-out device with 4008 and keeps the others", async () => {
    const { id, phone, socket } = await openThread("olga");
    const phoneTab1 = await socket("phone");
    const phoneTab2 = await socket("phone");
    const onLaptop = await socket("laptop");
    const bot = await socket("bot");

    await env.CONVERSATION.getByName(`demo:${id}`).disconnectDevice(phone.deviceId);
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

    await stub.disconnectDevice(phone.deviceId);
    expect(await onPhone.closed).toEqual({ code: 4008, reason: "token_revoked" });
    expect(await onLaptop.drain()).toEqual([]);
  });
});
