// Typing is ephemeral: passed on at once, at most once per 2 s per socket
// while it stays on, ended by `off`, by leaving, or by the server after 6 s.
import { describe, expect, it } from "vitest";
import { openLiveThread, openSoloThread } from "../support/live-thread";

/** A thread of `name` with a customer's phone and a bot socket; the bot has just started typing, and `on` is what the phone got. */
async function botTyping(name: string) {
  const { socket } = await openSoloThread(name);
  const a = await socket("phone");
  const bot = await socket("bot");
  bot.send({ type: "typing", state: "on" });
  const on = await a.next();
  expect(on).toMatchObject({ type: "typing", state: "on", sender: { role: "bot" } });
  return { a, bot, on };
}

describe("live typing", () => {
  it("passes on and off to the other side, throttles repeats, and not to the typist's own devices", async () => {
    const { user, phone, onPhone: a, onLaptop: b, bot } = await openLiveThread("xia");

    a.send({ type: "typing", state: "on" });
    a.send({ type: "typing", state: "on" });
    a.send({ type: "typing", state: "on" });
    const typist = { role: "customer", id: user, deviceId: phone.deviceId };
    // a's ping is handled after its typing frames: all they caused has been sent once it is answered.
    expect(await a.drain()).toEqual([]);
    expect(await bot.drain()).toEqual([{ type: "typing", sender: typist, state: "on" }]);
    a.send({ type: "typing", state: "off" });
    a.send({ type: "typing", state: "off" });
    expect(await a.drain()).toEqual([]);
    expect(await bot.drain()).toEqual([{ type: "typing", sender: typist, state: "off" }]);
    expect(await b.drain()).toEqual([]);

    // A bot-role key types as a bot, whoever it names (as it sends: src/conversation/send-as.ts).
    bot.send({ type: "typing", state: "on", sender: { role: "agent", id: "agent-1", name: "Sam" } });
    const shown = await a.next();
    expect(shown).toMatchObject({ type: "typing", state: "on", sender: { role: "bot" } });
    expect(JSON.stringify(shown)).not.toContain("Sam");
    expect(await b.next()).toEqual(shown);

    // Leaving while typing ends it for the others.
    bot.close();
    expect(await a.next()).toEqual({ ...shown, state: "off" });
    expect(await b.next()).toEqual({ ...shown, state: "off" });
  });

  it("ends the writer's typing with their message", async () => {
    const { a, bot, on } = await botTyping("zoe");
    bot.send({ type: "send", clientId: "t-1", content: { type: "text", text: "Here you go" }, sender: on.sender });
    // The `off` comes at once, before the message (not 6 s after it).
    expect(await a.next()).toEqual({ ...on, state: "off" });
    expect(await a.next()).toMatchObject({ type: "event", event: { clientId: "t-1" } });
  });

  it("ends a customer's typing with their message from another device: off just before the event on every other socket", async () => {
    const { user, phone, onPhone: a, onLaptop: b, bot, socket } = await openLiveThread("uma");
    const bot2 = await socket("bot");
    a.send({ type: "typing", state: "on" });
    const on = { type: "typing", sender: { role: "customer", id: user, deviceId: phone.deviceId }, state: "on" };
    expect(await bot.next()).toEqual(on);
    expect(await bot2.next()).toEqual(on);

    b.send({ type: "send", clientId: "l-1", content: { type: "text", text: "sent from the laptop" } });
    expect(await b.next()).toMatchObject({ type: "ack", clientId: "l-1" });
    const kinds = (frames: { type: string; state?: unknown }[]) => frames.map((f) => (f.type === "typing" ? `typing ${String(f.state)}` : f.type));
    // The other side, on each of its sockets: the `off` first, then the message.
    expect(kinds(await bot.drain())).toEqual(["typing off", "event"]);
    expect(kinds(await bot2.drain())).toEqual(["typing off", "event"]);
    // The person's own devices never saw the typing, so no `off` either; the laptop only its ack.
    expect(kinds(await a.drain())).toEqual(["event"]);
    expect(kinds(await b.drain())).toEqual([]);
  });

  it("sends off on its own when on is not renewed", { timeout: 20_000 }, async () => {
    const { a, on } = await botTyping("yan");
    // Nothing else is sent; the server ends it (TYPING_TTL_MS = 6 s).
    const off = await a.next();
    expect(off).toEqual({ ...on, state: "off" });
  });
});
