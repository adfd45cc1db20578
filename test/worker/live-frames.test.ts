// The bytes of every server frame are pinned here: a change to the wire is a
// change to this file. (The client-frame parser: test/unit/server/client-frames.test.ts.)
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/protocol/event";
import { encodeServerFrame, type ServerFrame } from "../../src/protocol/frames";
import { openConversation, openSession, uniqueUser } from "./helpers";
import { openLive, text } from "./live-helpers";

// Keys deliberately out of order: the encoding puts them in the contract's order.
const event = {
  content: { type: "text", text: "Hi" },
  clientId: "c-1",
  sender: { deviceId: "dev_1", name: "Alice", id: "alice", role: "customer" },
  type: "message.created",
  at: "2026-11-22T10:00:00.000Z",
  id: "evt_1",
  seq: 7,
} as unknown as Event;

const GOLDEN: [ServerFrame, string][] = [
  [
    { type: "event", event },
    '{"type":"event","event":{"seq":7,"id":"evt_1","type":"message.created","at":"2026-11-22T10:00:00.000Z","sender":{"role":"customer","id":"alice","name":"Alice","deviceId":"dev_1"},"clientId":"c-1","content":{"type":"text","text":"Hi"}}}',
  ],
  [{ type: "ack", clientId: "c-1", seq: 7, eventId: "evt_1" }, '{"type":"ack","clientId":"c-1","seq":7,"eventId":"evt_1"}'],
  [
    { type: "ack", clientId: "c-1", seq: 7, eventId: "evt_1", event: { seq: 7, id: "evt_1", type: "message.deleted", at: "2026-11-22T00:00:00.000Z", sender: { role: "bot", id: "b" }, target: "evt_0" } },
    '{"type":"ack","clientId":"c-1","seq":7,"eventId":"evt_1","event":{"seq":7,"id":"evt_1","type":"message.deleted","at":"2026-11-22T00:00:00.000Z","sender":{"role":"bot","id":"b"},"target":"evt_0"}}',
  ],
  [
    { type: "read", userId: "alice", deviceId: "dev_1", seq: 7 },
    '{"type":"read","userId":"alice","deviceId":"dev_1","seq":7}',
  ],
  [
    { type: "typing", sender: { name: "Sam", id: "agent-1", role: "agent" }, state: "on" },
    '{"type":"typing","sender":{"role":"agent","id":"agent-1","name":"Sam"},"state":"on"}',
  ],
  [{ type: "ready", cursor: 7 }, '{"type":"ready","cursor":7}'],
  [{ type: "pong" }, '{"type":"pong"}'],
  [
    { type: "error", code: "conflict", message: "clientId c-1 was already used", clientId: "c-1" },
    '{"type":"error","code":"conflict","message":"clientId c-1 was already used","clientId":"c-1"}',
  ],
  [
    { type: "error", code: "invalid_request", message: "the frame is not valid JSON" },
    '{"type":"error","code":"invalid_request","message":"the frame is not valid JSON"}',
  ],
];

describe("live frames", () => {
  it.each(GOLDEN)("encodes %j exactly", (frame, bytes) => {
    expect(encodeServerFrame(frame)).toBe(bytes);
  });

  it("sends those bytes on the wire, whether an event was replayed or just appended", async () => {
    const s = await openSession(uniqueUser("zoe"));
    const id = await openConversation(s.sessionToken);
    const first = await openLive(id, s.sessionToken);
    expect(await first.next()).toEqual({ type: "ready", cursor: 0 });
    const other = await openLive(id, s.sessionToken);
    await other.next();
    first.send({ type: "send", clientId: "golden", content: text("Hi") });
    const ack = await first.next();
    const live = (await other.next(), other.raw.at(-1)!);
    const replayed = await openLive(id, s.sessionToken, 0);
    await replayed.next();
    expect(replayed.raw[0]).toBe(live);
    // The ack carries the committed event, byte for byte as the other sockets get it.
    const eventJson = live.slice('{"type":"event","event":'.length, -1);
    expect(first.raw).toEqual([
      '{"type":"ready","cursor":0}',
      `{"type":"ack","clientId":"golden","seq":1,"eventId":"${String(ack.eventId)}","event":${eventJson}}`,
    ]);
    expect(live).toMatch(
      new RegExp(
        `^\\{"type":"event","event":\\{"seq":1,"id":"${String(ack.eventId)}","type":"message.created","at":"[^"]+",` +
          `"sender":\\{"role":"customer","id":"zoe-[^"]+","deviceId":"${s.deviceId}"\\},"clientId":"golden",` +
          `"content":\\{"type":"text","text":"Hi"\\}\\}\\}$`,
      ),
    );
  });
});
