// The SDK reads exactly what the server writes: every server frame, encoded
// by the server's own encoder, parses back to itself; malformed frames are
// ignored (null), never thrown.
import { describe, expect, it } from "vitest";
import { parseServerFrame } from "../../src/protocol/wire.ts";
import type { Event } from "../../src/protocol/event.ts";
import { encodeServerFrame, type ServerFrame } from "../../src/protocol/frames.ts";

const event: Event = {
  seq: 7,
  id: "evt_abc",
  type: "message.created",
  at: "2026-11-22T02:00:00.000Z",
  sender: { role: "customer", id: "alice", name: "Alice", deviceId: "dev_12345678" },
  clientId: "c-1",
  content: { type: "text", text: "Hi" },
};

const frames: ServerFrame[] = [
  { type: "event", event },
  { type: "event", event: { seq: 8, id: "evt_d", type: "conversation.updated", at: event.at, sender: { role: "system", id: "system" }, status: "open", owner: "agent", reason: "handover" } },
  { type: "ack", clientId: "c-1", seq: 7, eventId: "evt_abc" },
  { type: "read", userId: "alice", deviceId: "dev_12345678", seq: 7 },
  { type: "typing", sender: { role: "agent", id: "agent-1", name: "Sam" }, state: "on" },
  { type: "ready", cursor: 7 },
  { type: "pong" },
  { type: "error", code: "invalid_request", message: "bad", clientId: "c-2" },
  { type: "error", code: "rate_limited", message: "slow down" },
];

describe("live frames", () => {
  it("parses every frame the server encodes back to the same frame", () => {
    for (const frame of frames) expect(parseServerFrame(encodeServerFrame(frame))).toEqual(frame);
  });

  it("ignores malformed frames", () => {
    for (const bad of [
      "not json",
      "[]",
      "null",
      JSON.stringify({ type: "mystery" }),
      JSON.stringify({ type: "event", event: { seq: "7" } }),
      JSON.stringify({ type: "ack", clientId: "c", seq: 1.5, eventId: "e" }),
      JSON.stringify({ type: "typing", sender: { role: "agent", id: "a" }, state: "maybe" }),
      JSON.stringify({ type: "ready" }),
      JSON.stringify({ type: "error", message: "no code" }),
    ]) {
      expect(parseServerFrame(bad)).toBeNull();
    }
    expect(parseServerFrame(new ArrayBuffer(4))).toBeNull();
  });

  it("keeps an error frame whose code it does not know as an internal error", () => {
    expect(parseServerFrame(JSON.stringify({ type: "error", code: "brand_new", message: "m" }))).toEqual({
      type: "error",
      code: "internal",
      message: "m",
    });
  });
});
