// Faults on a live socket: a frame over 64 KiB closes it with 4009; a
// malformed frame gets an error frame and the socket keeps working.
import { describe, expect, it } from "vitest";
import { text, type EventFrame } from "./live-helpers";
import { openSoloThread } from "../support/live-thread";

describe("live limits and malformed frames", () => {
  it("closes with 4009 on a frame over 64 KiB", async () => {
    const client = await (await openSoloThread("quin")).socket("phone");
    client.send({ type: "send", clientId: "big", content: text("x".repeat(64 * 1024)) });
    expect(await client.closed).toEqual({ code: 4009, reason: "payload_too_large" });
  });

  it("accepts a frame just under the limit (and refuses its content by the content rules)", async () => {
    const client = await (await openSoloThread("rae")).socket("phone");
    const frame = JSON.stringify({ type: "send", clientId: "near", content: text("y".repeat(60 * 1024)) });
    expect(frame.length).toBeLessThan(64 * 1024);
    client.send(frame);
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request", clientId: "near" });
  });

  it("answers malformed frames with error frames and stays usable", async () => {
    const { socket } = await openSoloThread("sid");
    const client = await socket("phone");
    const bot = await socket("bot");

    client.send("{not json");
    expect(await client.next()).toEqual({ type: "error", code: "invalid_request", message: "the frame is not valid JSON" });
    client.send({ type: "subscribe" });
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request", message: expect.stringContaining("unknown frame type") });
    client.send([1, 2]);
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request" });
    client.send({ type: "send", clientId: "bad-1", content: { type: "text", text: "" } });
    const invalid = await client.next();
    expect(invalid).toMatchObject({ type: "error", code: "invalid_request", clientId: "bad-1" });
    expect(invalid.message).toContain("content.text");
    // Valid content that a customer may not send: the same rule as over HTTP.
    client.send({
      type: "send",
      clientId: "bad-2",
      content: { type: "buttons", text: "pick", buttons: [{ type: "postback", title: "A", payload: "a" }] },
    });
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request", clientId: "bad-2" });
    client.send({ type: "send", clientId: "bad-3", content: text("as a bot"), sender: { role: "bot", id: "me" } });
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request", clientId: "bad-3" });
    client.send({ type: "read", seq: -1 });
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request" });
    client.ws.send(new Uint8Array([1, 2, 3]));
    expect(await client.next()).toMatchObject({ type: "error", code: "invalid_request" });
    // The bot must say who it is, as with the Send API.
    bot.send({ type: "send", clientId: "bot-anon", content: text("who am I") });
    expect(await bot.next()).toMatchObject({ type: "error", code: "invalid_request", clientId: "bot-anon" });
    // A bot cannot move a read cursor.
    bot.send({ type: "read", seq: 0 });
    expect(await bot.next()).toMatchObject({ type: "error", code: "forbidden" });

    // None of that reached the log or the other socket; the socket still works.
    client.send({ type: "send", clientId: "good", content: text("fine now") });
    expect(await client.next()).toMatchObject({ type: "ack", clientId: "good", seq: 1 });
    const atBot = await bot.drain();
    expect(atBot.map((f) => (f as EventFrame).event.clientId)).toEqual(["good"]);
    expect(client.raw.filter((r) => r.includes('"type":"event"'))).toEqual([]);
  });
});
