// How a live socket's replay is put into frames: one `event` frame per event
// (what every client gets unless it asks otherwise), or, for a socket opened
// with `?replay=batch`, `events` frames of many events each (API.md "Live").
// A 10,000-event replay is then a dozen frames instead of 10,000 sends, each
// of which also crosses the Worker's relay (src/http/live-relay.ts).
import type { Access } from "../protocol/access";
import type { Event } from "../protocol/event";
import { encodeEvent, encodeServerFrame, eventsFrameOf } from "../protocol/frames";
import { eventFor } from "./state";

/**
 * The most UTF-16 code units of events in one batched frame. A code unit is
 * at most 3 bytes of UTF-8, so a frame stays under 768 KiB plus one event:
 * below the 1 MiB a Workers WebSocket message may carry. One event larger
 * than this travels alone.
 */
export const REPLAY_FRAME_CHARS = 256 * 1024;

/** One frame of the replay and the seq of the last event in it. */
export interface ReplayFrame {
  text: string;
  upTo: number;
}

/**
 * The frames that send `events` (ascending seq) to a socket of `access`,
 * each event as that caller may read it (customers never see business-only
 * parts). `batched`: `events` frames of at most `maxChars` of events each;
 * otherwise one `event` frame per event.
 */
export function replayFrames(events: readonly Event[], access: Access, batched: boolean, maxChars = REPLAY_FRAME_CHARS): ReplayFrame[] {
  const frames: ReplayFrame[] = [];
  if (!batched) {
    for (const event of events) frames.push({ text: encodeServerFrame({ type: "event", event: eventFor(access, event) }), upTo: event.seq });
    return frames;
  }
  let parts: string[] = [];
  let chars = 0;
  let upTo = 0;
  for (const event of events) {
    const encoded = encodeEvent(eventFor(access, event));
    if (parts.length > 0 && chars + encoded.length > maxChars) {
      frames.push({ text: eventsFrameOf(parts), upTo });
      parts = [];
      chars = 0;
    }
    parts.push(encoded);
    chars += encoded.length + 1;
    upTo = event.seq;
  }
  if (parts.length > 0) frames.push({ text: eventsFrameOf(parts), upTo });
  return frames;
}
