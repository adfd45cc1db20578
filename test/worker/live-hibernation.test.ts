// Sockets survive the object's eviction (hibernation): identity comes back
// from the attachment and tags, and the next frame wakes the object.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { text, type EventFrame } from "./live-helpers";
import { openLiveThread, openSoloThread } from "../support/live-thread";

describe("live sockets across hibernation", () => {
  it("keeps every socket working after eviction, with identities intact", async () => {
    const { user, id, phone, laptop, onPhone: a, onLaptop: b, bot } = await openLiveThread("fay");
    a.send({ type: "send", clientId: "before", content: text("before sleep") });
    expect(await a.next()).toMatchObject({ type: "ack", seq: 1 });
    await b.next();
    await bot.next();

    const stub = env.CONVERSATION.getByName(`demo:${id}`);
    await evictDurableObject(stub);

    // The byte-exact ping is answered by the runtime, asleep or not.
    a.send('{"type":"ping"}');
    expect(await a.next()).toEqual({ type: "pong" });

    // The next message wakes the object; who sent it is known from the attachment.
    b.send({ type: "send", clientId: "after", content: text("after sleep") });
    expect(await b.next()).toMatchObject({ type: "ack", clientId: "after", seq: 2 });
    const atPhone = (await a.next()) as EventFrame;
    expect(atPhone.event).toMatchObject({ seq: 2, sender: { role: "customer", id: user, deviceId: laptop.deviceId } });
    expect(((await bot.next()) as EventFrame).event.seq).toBe(2);

    // Tags survived too: the sockets are found by device after the wake-up.
    const tagged = await runInDurableObject(stub, (_instance, state) =>
      state.getWebSockets(`device:${phone.deviceId}`).length + state.getWebSockets("role:bot").length,
    );
    expect(tagged).toBe(2);
    // And nothing was sent twice to anyone.
    expect(await a.drain()).toEqual([]);
    expect(await b.drain()).toEqual([]);
    expect(await bot.drain()).toEqual([]);
  });

  it("an append over HTTP wakes the object and reaches sockets accepted before eviction", async () => {
    const { id, socket } = await openSoloThread("gus");
    const a = await socket("phone");
    await evictDurableObject(env.CONVERSATION.getByName(`demo:${id}`));
    const bot = await socket("bot");
    bot.send({ type: "send", clientId: "wake", content: text("wake up"), sender: { role: "bot", id: "b" } });
    expect(await bot.next()).toMatchObject({ type: "ack", seq: 1 });
    expect(((await a.next()) as EventFrame).event.clientId).toBe("wake");
  });
});
