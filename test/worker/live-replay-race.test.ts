// Events committed while a replay is being sent are neither lost nor sent
// twice: a socket ends with exactly the server's log, 1..N once each.
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, uniqueUser } from "./helpers";
import { botSend, openLive, openReady, text, type EventFrame } from "./live-helpers";

const BEFORE = 2_000;
const DURING = 100;

describe("live replay under concurrent appends", () => {
  it("sends 1..N exactly once while appends land between replay pages", { timeout: 60_000 }, async () => {
    const user = uniqueUser("erin");
    const s = await openSession(user);
    const id = await openConversation(s.sessionToken);
    for (let batch = 0; batch < BEFORE / 100; batch++) {
      const sent = await Promise.all(
        Array.from({ length: 100 }, (_, i) => botSend(id, `seed-${batch * 100 + i}`, `seed ${batch * 100 + i}`)),
      );
      expect(sent.every((r) => r.status === 201)).toBe(true);
    }

    const writer = await openReady(id, BOT_KEY, BEFORE);
    const reader = await openLive(id, s.sessionToken, 0);
    await reader.next(); // the replay has begun
    // Half over HTTP, half as frames on another socket, all while the replay runs. Both write as bots:
    // an agent's message would take the thread and put the HTTP bot on standby (409).
    const http = Promise.all(
      Array.from({ length: DURING / 2 }, (_, i) => botSend(id, `during-http-${i}`, `during ${i}`)),
    );
    for (let i = 0; i < DURING / 2; i++) {
      writer.send({ type: "send", clientId: `during-ws-${i}`, content: text(`ws ${i}`), sender: { role: "bot", id: "b1" } });
    }
    expect((await http).every((r) => r.status === 201)).toBe(true);
    await writer.until((f) => f.type === "ack" && f.clientId === `during-ws-${DURING / 2 - 1}`);

    const total = BEFORE + DURING;
    const upToLast = await reader.until((f) => f.type === "event" && (f as EventFrame).event.seq === total);
    await reader.drain(); // nothing may follow the last event
    const seqs = reader.frames.filter((f) => f.type === "event").map((f) => (f as EventFrame).event.seq);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const ready = reader.frames.filter((f) => f.type === "ready");
    expect(ready).toHaveLength(1);
    expect(upToLast.at(-1)?.type).toBe("event");

    // The log agrees: no event is missing and ids match what the socket saw.
    const last = await json<{ events: { seq: number; id: string }[] }>(
      await api(`/v1/conversations/${id}/events?after=${total - 500}&limit=500`, { token: s.sessionToken }),
    );
    const ids = new Map(reader.frames.filter((f) => f.type === "event").map((f) => [(f as EventFrame).event.seq, (f as EventFrame).event.id]));
    for (const e of last.events) expect(ids.get(e.seq)).toBe(e.id);
    expect(last.events.at(-1)?.seq).toBe(total);
  });
});
