// Golden frames both ways: each server frame encodes to exactly these bytes
// on the server (src/protocol/frames.ts), and those bytes decode in the SDK and
// the widget (src/protocol/wire.ts) to the frame a client acts on. A change to
// the wire is a change to this file — and a line in wire.ts's version history.
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/protocol/event.ts";
import { encodeEventsFrame, encodeServerFrame } from "../../src/protocol/frames.ts";
import {
  BEARER_PREFIX,
  CloseCode,
  LIVE_PROTOCOL,
  parseServerFrame,
  parseServerFrames,
  PROTOCOL_VERSION,
  REPLAY_BATCH_QUERY,
  type ServerFrame,
} from "../../src/protocol/wire.ts";

const event: Event = {
  seq: 7,
  id: "evt_1",
  type: "message.created",
  at: "2026-11-22T10:00:00.000Z",
  sender: { role: "customer", id: "alice", name: "Alice", deviceId: "dev_1" },
  clientId: "c-1",
  content: { type: "text", text: "Hi" },
};
const eventJson =
  '{"seq":7,"id":"evt_1","type":"message.created","at":"2026-11-22T10:00:00.000Z","sender":{"role":"customer","id":"alice","name":"Alice","deviceId":"dev_1"},"clientId":"c-1","content":{"type":"text","text":"Hi"}}';

/** [frame the server encodes, its bytes, what a client decodes (null: ignored)]. */
const GOLDEN: [string, ServerFrame, string, ServerFrame | null][] = [
  ["event", { type: "event", event }, `{"type":"event","event":${eventJson}}`, { type: "event", event }],
  ["ack (ids only)", { type: "ack", clientId: "c-1", seq: 7, eventId: "evt_1" }, '{"type":"ack","clientId":"c-1","seq":7,"eventId":"evt_1"}', { type: "ack", clientId: "c-1", seq: 7, eventId: "evt_1" }],
  [
    "ack with its event",
    { type: "ack", clientId: "c-1", seq: 7, eventId: "evt_1", event },
    `{"type":"ack","clientId":"c-1","seq":7,"eventId":"evt_1","event":${eventJson}}`,
    { type: "ack", clientId: "c-1", seq: 7, eventId: "evt_1", event },
  ],
  ["read", { type: "read", userId: "alice", deviceId: "dev_1", seq: 7 }, '{"type":"read","userId":"alice","deviceId":"dev_1","seq":7}', { type: "read", userId: "alice", deviceId: "dev_1", seq: 7 }],
  [
    "typing",
    { type: "typing", sender: { role: "agent", id: "agent-1", name: "Sam" }, state: "off" },
    '{"type":"typing","sender":{"role":"agent","id":"agent-1","name":"Sam"},"state":"off"}',
    { type: "typing", sender: { role: "agent", id: "agent-1", name: "Sam" }, state: "off" },
  ],
  ["ready", { type: "ready", cursor: 7 }, '{"type":"ready","cursor":7}', { type: "ready", cursor: 7 }],
  ["pong", { type: "pong" }, '{"type":"pong"}', { type: "pong" }],
  [
    "error for a send",
    { type: "error", code: "conflict", message: "clientId c-1 was already used", clientId: "c-1" },
    '{"type":"error","code":"conflict","message":"clientId c-1 was already used","clientId":"c-1"}',
    { type: "error", code: "conflict", message: "clientId c-1 was already used", clientId: "c-1" },
  ],
  [
    "note (business sockets; the SDK does not read it)",
    { type: "note", note: { id: "note_1", afterSeq: 7, at: "2026-11-22T10:00:01.000Z", sender: { role: "agent", id: "agent-1" }, text: "VIP" } },
    '{"type":"note","note":{"id":"note_1","afterSeq":7,"at":"2026-11-22T10:00:01.000Z","sender":{"role":"agent","id":"agent-1"},"text":"VIP"}}',
    null,
  ],
];

describe("golden live frames, both ways", () => {
  it.each(GOLDEN)("%s: the server encodes these bytes", (_name, frame, bytes) => {
    expect(encodeServerFrame(frame)).toBe(bytes);
  });

  it.each(GOLDEN)("%s: a client decodes these bytes", (_name, _frame, bytes, decoded) => {
    expect(parseServerFrame(bytes)).toEqual(decoded);
  });

  it("an ack from a server older than acks with events still decodes, and an event that contradicts the ack is dropped", () => {
    const contradicting = `{"type":"ack","clientId":"c-1","seq":8,"eventId":"evt_2","event":${eventJson}}`;
    expect(parseServerFrame(contradicting)).toEqual({ type: "ack", clientId: "c-1", seq: 8, eventId: "evt_2" });
  });

  it("a batched replay frame: the server encodes these bytes, the SDK reads one event frame per event, an older client ignores it", () => {
    // A second event built with its members in another order: the batch carries it canonically, as an event frame would.
    const second = { content: { text: "Yo", type: "text" }, clientId: "c-2", sender: { id: "bot-1", role: "bot" }, at: event.at, type: "message.created", id: "evt_2", seq: 8 } as Event;
    const secondJson = '{"seq":8,"id":"evt_2","type":"message.created","at":"2026-11-22T10:00:00.000Z","sender":{"role":"bot","id":"bot-1"},"clientId":"c-2","content":{"text":"Yo","type":"text"}}';
    const bytes = `{"type":"events","events":[${eventJson},${secondJson}]}`;
    expect(encodeEventsFrame([event, second])).toBe(bytes);
    expect(encodeServerFrame({ type: "event", event: second })).toBe(`{"type":"event","event":${secondJson}}`);
    expect(parseServerFrames(bytes)).toEqual([
      { type: "event", event },
      { type: "event", event: second },
    ]);
    // An older SDK or widget (parseServerFrame alone) ignores it, and is never sent one: it did not ask.
    expect(parseServerFrame(bytes)).toBeNull();
    expect(REPLAY_BATCH_QUERY).toEqual({ name: "replay", value: "batch" });
  });

  it("parseServerFrames reads every single frame as parseServerFrame does, and skips what is not an event in a batch", () => {
    for (const [, , bytes, decoded] of GOLDEN) expect(parseServerFrames(bytes)).toEqual(decoded ? [decoded] : []);
    expect(parseServerFrames(`{"type":"events","events":[${eventJson},{"seq":"x"},7]}`)).toEqual([{ type: "event", event }]);
    for (const bad of ['{"type":"events"}', '{"type":"events","events":{}}', "not json", '{"type":"events","events":[', new ArrayBuffer(2)]) {
      expect(parseServerFrames(bad)).toEqual([]);
    }
  });

  it("pins the handshake and the close codes", () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(LIVE_PROTOCOL).toBe("carryover.v1");
    expect(BEARER_PREFIX).toBe("bearer.");
    expect(CloseCode).toEqual({ invalidToken: 4001, forbidden: 4003, revoked: 4008, tooLarge: 4009, internal: 1011 });
  });
});
