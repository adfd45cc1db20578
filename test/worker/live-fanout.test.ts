// Two devices of one person and a bot socket see each other's messages, in
// log order; the sender gets an ack instead of its own event.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, api, BOT_KEY, json } from "./helpers";
import { botSend, text, type EventFrame } from "./live-helpers";
import { openLiveThread, openSoloThread } from "../support/live-thread";

describe("live fan-out", () => {
  it("delivers every message to every other socket of the thread, in order", async () => {
    const { user, id, phone, onPhone: a, onLaptop: b, bot } = await openLiveThread("alice");

    a.send({ type: "send", clientId: "a-1", content: text("hi from the phone") });
    const ack = (await a.until((f) => f.type === "ack"))[0]!;
    expect(ack).toMatchObject({ type: "ack", clientId: "a-1", seq: 1 });

    const atLaptop = (await b.next()) as EventFrame;
    expect(atLaptop.type).toBe("event");
    expect(atLaptop.event).toMatchObject({
      seq: 1,
      id: ack.eventId,
      clientId: "a-1",
      sender: { role: "customer", id: user, deviceId: phone.deviceId },
      content: { type: "text", text: "hi from the phone" },
    });
    expect(((await bot.next()) as EventFrame).event.id).toBe(ack.eventId);

    bot.send({ type: "send", clientId: "bot-1", content: text("hello Alice"), sender: { role: "bot", id: "helper" } });
    expect(await bot.next()).toMatchObject({ type: "ack", clientId: "bot-1", seq: 2 });
    b.send({ type: "send", clientId: "b-1", content: text("typed on the laptop") });
    expect((await b.until((f) => f.type === "ack")).at(-1)).toMatchObject({ type: "ack", clientId: "b-1", seq: 3 });

    // The Send API over HTTP reaches the sockets too.
    const http = await api(`/v1/conversations/${id}/messages`, {
      method: "POST",
      token: ADMIN_KEY, // a bot-role key sends only as a bot
      json: { clientId: "bot-http-1", content: text("over HTTP"), sender: { role: "agent", id: "agent-7", name: "Sam" } },
    });
    expect(http.status).toBe(201);

    // Everything each socket got, once all is sent: the others' events, in order, and its own acks.
    // Event 5 is the handover the agent's message made (the bot owned the thread).
    const seen = async (client: typeof a) => {
      await client.drain();
      return client.frames
        .filter((f) => f.type === "event" || f.type === "ack")
        .map((f) => (f.type === "ack" ? `ack ${f.seq}` : `event ${(f as EventFrame).event.seq}`));
    };
    expect(await seen(a)).toEqual(["ack 1", "event 2", "event 3", "event 4", "event 5"]);
    expect(await seen(b)).toEqual(["event 1", "event 2", "ack 3", "event 4", "event 5"]);
    expect(await seen(bot)).toEqual(["event 1", "ack 2", "event 3", "event 4", "event 5"]);

    // What the sockets saw is the log.
    const log = await json<{ events: { seq: number; id: string }[] }>(
      await api(`/v1/conversations/${id}/events`, { token: phone.sessionToken }),
    );
    expect(log.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps serving the others when one socket goes away", async () => {
    const { onPhone: a, onLaptop: b, bot } = await openLiveThread("bea");
    b.close();
    await b.closed;

    a.send({ type: "send", clientId: "after-close", content: text("still there?") });
    expect(await a.next()).toMatchObject({ type: "ack", seq: 1 });
    expect(((await bot.next()) as EventFrame).event.clientId).toBe("after-close");
  });

  it("a socket closed under the object does not disturb the append or the other sockets", async () => {
    const { id, phone, socket } = await openSoloThread("cy");
    const dead = await socket("phone");
    const bot = await socket("bot");
    // Close the server end behind the object's back, as a failed connection would.
    await runInDurableObject(env.CONVERSATION.getByName(`demo:${id}`), (_instance, state) => {
      for (const ws of state.getWebSockets(`device:${phone.deviceId}`)) ws.close(1001, "gone");
    });
    expect((await botSend(id, "after-dead", "anyone there?")).status).toBe(201);
    expect(((await bot.next()) as EventFrame).event.clientId).toBe("after-dead");
    expect((await dead.closed).code).toBe(1001);
    expect((await botSend(id, "again", "still fine")).status).toBe(201);
    expect(((await bot.next()) as EventFrame).event.clientId).toBe("again");
  });
});
