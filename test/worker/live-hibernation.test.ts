// Sockets survive the object's eviction (hibernation): identity comes back
// from the attachment and tags, and the next frame wakes the object.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BOT_KEY, openConversation, openSession, uniqueUser } from "./helpers";
import { openReady, text, type EventFrame } from "./live-helpers";

describe("live sockets across hibernation", () => {
  it("keeps every socket working after eviction, with identities intact", async () => {
    const user = uniqueUser("fay");
    const phone = await openSession(user, { });
    const laptop = await openSession(user);
    const id = await openConversation(phone.sessionToken);
    const a = await openReady(id, phone.sessionToken);
    const b = await openReady(id, laptop.sessionToken);
    const bot = await openReady(id, BOT_KEY);
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
    const user = uniqueUser("gus");
    const s = await openSession(user);
    const id = await openConversation(s.sessionToken);
    const a = await openReady(id, s.sessionToken);
    await evictDurableObject(env.CONVERSATION.getByName(`demo:${id}`));
    const bot = await openReady(id, BOT_KEY);
    bot.send({ type: "send", clientId: "wake", content: text("wake up"), sender: { role: "bot", id: "b" } });
    expect(await bot.next()).toMatchObject({ type: "ack", seq: 1 });
    expect(((await a.next()) as EventFrame).event.clientId).toBe("wake");
  });
});
