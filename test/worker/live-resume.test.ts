// A device that was away resumes exactly where it left off: the events after
// the last seq it saw, then `ready`, then live.
import { describe, expect, it } from "vitest";
import { BOT_KEY, openConversation, openSession, send, uniqueUser } from "./helpers";
import { botSend, openLive, openReady, text, type EventFrame } from "./live-helpers";

describe("live resume", () => {
  it("replays exactly the 50 missed events, then ready, then live", async () => {
    const user = uniqueUser("carol");
    const phone = await openSession(user);
    const id = await openConversation(phone.sessionToken);
    for (let i = 1; i <= 3; i++) expect((await send(phone.sessionToken, id, `before-${i}`, `m${i}`)).status).toBe(201);

    const first = await openLive(id, phone.sessionToken);
    const seen = await first.replay();
    expect(seen.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(seen.cursor).toBe(3);
    first.close();
    await first.closed;

    // While the phone is away, the bot writes 50 messages.
    for (let i = 1; i <= 50; i++) {
      expect((await botSend(id, `away-${i}`, `missed ${i}`)).status).toBe(201);
    }

    const again = await openLive(id, phone.sessionToken, seen.cursor);
    const resumed = await again.replay();
    expect(resumed.events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 4 + i));
    expect(resumed.events.map((e) => e.clientId)).toEqual(Array.from({ length: 50 }, (_, i) => `away-${i + 1}`));
    expect(resumed.cursor).toBe(53);

    // And it is live afterwards.
    const bot = await openReady(id, BOT_KEY, 53);
    bot.send({ type: "send", clientId: "live-1", content: text("now live"), sender: { role: "bot", id: "b" } });
    expect(((await again.next()) as EventFrame).event).toMatchObject({ seq: 54, clientId: "live-1" });
  });

  it("answers a resume from the end with ready at once, and one from ahead of the log with the log's end", async () => {
    const user = uniqueUser("dan");
    const s = await openSession(user);
    const id = await openConversation(s.sessionToken);
    expect((await send(s.sessionToken, id, "one", "1")).status).toBe(201);

    const atEnd = await openLive(id, s.sessionToken, 1);
    await atEnd.next();
    expect(atEnd.raw[0]).toBe('{"type":"ready","cursor":1}');

    const ahead = await openLive(id, s.sessionToken, 99);
    expect(await ahead.next()).toEqual({ type: "ready", cursor: 1 });
    expect((await send(s.sessionToken, id, "two", "2")).status).toBe(201);
    expect(((await ahead.next()) as EventFrame).event.seq).toBe(2);
  });
});

