// A retried send (same clientId) is acked with the original event and is not
// broadcast again; the same clientId with other content is refused.
import { describe, expect, it } from "vitest";
import { api, json } from "./helpers";
import { text, type EventFrame } from "./live-helpers";
import { openThread } from "../support/live-thread";

describe("live idempotency", () => {
  it("acks a duplicate clientId with the original event, over the socket and after an HTTP send", async () => {
    const { id, phone, socket } = await openThread("tia");
    const a = await socket("phone");
    const bot = await socket("bot");

    a.send({ type: "send", clientId: "once", content: text("only once") });
    const first = await a.next();
    expect(first).toMatchObject({ type: "ack", clientId: "once", seq: 1 });
    a.send({ type: "send", clientId: "once", content: text("only once") });
    expect(await a.next()).toEqual(first);

    // Same person on another device, retrying what the phone sent (an offline queue replayed).
    const b = await socket("laptop", 1);
    b.send({ type: "send", clientId: "once", content: text("only once") });
    expect(await b.next()).toEqual(first);

    // An HTTP send retried over the socket points at the HTTP event.
    const http = await api(`/v1/conversations/${id}/messages`, {
      method: "POST",
      token: phone.sessionToken,
      json: { clientId: "via-http", content: text("sent over HTTP") },
    });
    const { event } = await json<{ event: { seq: number; id: string } }>(http);
    a.send({ type: "send", clientId: "via-http", content: text("sent over HTTP") });
    const frames = await a.until((f) => f.type === "ack");
    expect(frames.at(-1)).toEqual({ type: "ack", clientId: "via-http", seq: event.seq, eventId: event.id, event });

    // The same clientId with other content is a conflict, named by clientId.
    a.send({ type: "send", clientId: "once", content: text("something else") });
    expect(await a.next()).toMatchObject({ type: "error", code: "conflict", clientId: "once" });

    // The bot saw each event exactly once.
    const atBot = await bot.drain();
    expect(atBot.map((f) => (f as EventFrame).event.seq)).toEqual([1, 2]);
  });
});
