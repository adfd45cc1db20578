// Signing a device out closes its live sockets at once with 4008, through the
// Conversation DO's disconnectDevice RPC; the person's other devices stay.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BOT_KEY, openConversation, openSession, uniqueUser } from "./helpers";
import { openReady, text, type EventFrame } from "./live-helpers";

describe("live revocation", () => {
  it("closes every socket of the signed-out device with 4008 and keeps the others", async () => {
    const user = uniqueUser("olga");
    const phone = await openSession(user);
    const laptop = await openSession(user);
    const id = await openConversation(phone.sessionToken);
    const phoneTab1 = await openReady(id, phone.sessionToken);
    const phoneTab2 = await openReady(id, phone.sessionToken);
    const onLaptop = await openReady(id, laptop.sessionToken);
    const bot = await openReady(id, BOT_KEY);

    await env.CONVERSATION.getByName(`demo:${id}`).disconnectDevice(phone.deviceId);
    expect(await phoneTab1.closed).toEqual({ code: 4008, reason: "token_revoked" });
    expect(await phoneTab2.closed).toEqual({ code: 4008, reason: "token_revoked" });

    onLaptop.send({ type: "send", clientId: "still-here", content: text("laptop still works") });
    expect(await onLaptop.next()).toMatchObject({ type: "ack", seq: 1 });
    expect(((await bot.next()) as EventFrame).event.clientId).toBe("still-here");
  });

  it("finds the device's sockets by tag after the object hibernated", async () => {
    const user = uniqueUser("pia");
    const phone = await openSession(user);
    const laptop = await openSession(user);
    const id = await openConversation(phone.sessionToken);
    const onPhone = await openReady(id, phone.sessionToken);
    const onLaptop = await openReady(id, laptop.sessionToken);
    const stub = env.CONVERSATION.getByName(`demo:${id}`);
    await evictDurableObject(stub);

    await stub.disconnectDevice(phone.deviceId);
    expect(await onPhone.closed).toEqual({ code: 4008, reason: "token_revoked" });
    expect(await onLaptop.drain()).toEqual([]);
  });
});
