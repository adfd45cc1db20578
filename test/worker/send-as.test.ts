// Who may send as whom (src/conversation/send-as.ts), on the live socket: a
// session never names a sender, an API key always does; a refused frame
// appends nothing.
import { describe, expect, it } from "vitest";
import { text } from "./live-helpers";
import { openSoloThread } from "../support/live-thread";

describe("send as whom, live", () => {
  it("refuses a customer's send frame that names a sender, then accepts one that does not", async () => {
    const live = await (await openSoloThread("mallory")).socket("phone");
    live.send({ type: "send", clientId: "as-bot", content: text("I am the bot"), sender: { role: "bot", id: "shopbot" } });
    expect(await live.next()).toMatchObject({ type: "error", code: "invalid_request", clientId: "as-bot" });
    live.send({ type: "send", clientId: "as-me", content: text("just me") });
    // seq 1: the refused frame appended nothing.
    expect(await live.next()).toMatchObject({ type: "ack", clientId: "as-me", seq: 1 });
  });

  it("refuses an API key's send frame without a sender", async () => {
    const bot = await (await openSoloThread("alice")).socket("bot");
    bot.send({ type: "send", clientId: "nobody", content: text("who am I") });
    expect(await bot.next()).toMatchObject({ type: "error", code: "invalid_request", clientId: "nobody" });
    bot.send({ type: "send", clientId: "helper", content: text("hello"), sender: { role: "bot", id: "helper" } });
    expect(await bot.next()).toMatchObject({ type: "ack", clientId: "helper", seq: 1 });
  });

  it("refuses a bot-role key's send frame that names an agent: a bot never reads as a human", async () => {
    const bot = await (await openSoloThread("alice")).socket("bot");
    bot.send({ type: "send", clientId: "posing", content: text("Jane here"), sender: { role: "agent", id: "jane", name: "Jane" } });
    expect(await bot.next()).toMatchObject({ type: "error", code: "forbidden", clientId: "posing" });
    bot.send({ type: "send", clientId: "honest", content: text("the bot here"), sender: { role: "bot", id: "helper" } });
    expect(await bot.next()).toMatchObject({ type: "ack", clientId: "honest", seq: 1 });
  });
});
