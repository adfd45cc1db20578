// The client-frame parser (the Worker's side of the socket) takes the frames of
// the contract and returns null for anything malformed, so a bad frame never
// reaches the Conversation. (Server frames' bytes: test/worker/live-frames.test.ts.)
import { expect, it } from "vitest";
import { parseClientFrame } from "../../../src/protocol/frames";

it("parses valid client frames and returns null for malformed ones", () => {
  expect(parseClientFrame('{"type":"ping"}')).toEqual({ type: "ping" });
  expect(parseClientFrame('{"type":"read","seq":3}')).toEqual({ type: "read", seq: 3 });
  expect(parseClientFrame('{"type":"typing","state":"on"}')).toEqual({ type: "typing", state: "on" });
  expect(parseClientFrame('{"type":"send","clientId":"c","content":{"type":"text","text":"x"}}')).toEqual({
    type: "send",
    clientId: "c",
    content: { type: "text", text: "x" },
  });
  for (const bad of [
    "",
    "{",
    "null",
    "[]",
    '"ping"',
    '{"type":"pong"}',
    '{"type":"read","seq":1.5}',
    '{"type":"read","seq":"1"}',
    '{"type":"typing","state":"maybe"}',
    '{"type":"send","clientId":"","content":{"type":"text","text":"x"}}',
    '{"type":"send","clientId":"c","content":{"type":"text","text":"x"},"extra":1}',
    '{"type":"send","clientId":"c","content":{"type":"video"}}',
  ]) {
    expect(parseClientFrame(bad), bad).toBeNull();
  }
});
