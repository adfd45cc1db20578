// The live (WebSocket) wire of API.md "Live" as the Worker, the SDK and the
// widget all see it: the subprotocol, the bearer prefix, close codes, typing
// timings, the server frame types, the server-frame decoder and `isEvent`.
// No zod and no runtime imports beyond the error-code table: the SDK and the
// widget bundle this file. The zod schemas of client frames and the server's
// encoder live in ./frames.
import { ERROR_STATUS, type ErrorCode } from "./errors";
import type { Event, Sender } from "./event";
import type { Note } from "./note";

/**
 * The version of the live wire. The subprotocol name carries it, so a client
 * and a server that disagree on it never speak.
 *
 * History (each change says what an older client gets):
 *
 * - 1 (2026-11-22): `carryover.v1`. Frames `event`, `ack`, `read`, `typing`,
 *   `ready`, `pong`, `error`; close codes 4001/4003/4008/4009/1011.
 * - 1, additive (2026-11-22): `ack` carries the committed `event`. An older
 *   client ignores the extra member; this SDK still accepts an `ack` without it
 *   from an older server.
 * - 1, additive (2026-11-30): `note` frames on business (API-key / agent)
 *   sockets. Never sent to a customer credential; a client that does not know
 *   the type ignores the frame (the decoder answers null for unknown types).
 * - 1, additive (2026-11-30): batched replay. A client that opens the socket
 *   with `?replay=batch` (REPLAY_BATCH_QUERY) gets the replay as `events`
 *   frames, each carrying many events in seq order, instead of one `event`
 *   frame per event; live frames after `ready` are unchanged. A client that
 *   does not ask gets per-event frames as before, and a server that does not
 *   know the flag ignores it (the SDK reads both: parseServerFrames).
 * - 1, additive (2026-12-01): direct sockets. A client that sends a text
 *   frame as soon as the socket opens (`{"type":"ping"}` will do) may add `?direct=1`
 *   (DIRECT_QUERY): the Worker then hands it the conversation's own
 *   hibernatable socket instead of relaying every frame (API.md "Direct
 *   sockets"). Frames and close codes are the same; a client that does not
 *   ask is relayed as before, and a server that does not know the flag
 *   ignores it. The SDK and the widget ask, and ping on open.
 *
 * Additive changes (new optional members, new frame types a client may ignore,
 * new error codes — an unknown one decodes as `internal`) keep the version.
 * Anything an older client would misread bumps it and the subprotocol name.
 */
export const PROTOCOL_VERSION = 1;

/** The subprotocol a client offers and the server answers with. */
export const LIVE_PROTOCOL = `carryover.v${PROTOCOL_VERSION}`;
/** The subprotocol entry that carries the session token or API key: `bearer.<token>`. */
export const BEARER_PREFIX = "bearer.";
/**
 * The query parameter (and value) of the live URL asking for a batched
 * replay: `events` frames of many events each until `ready`.
 */
export const REPLAY_BATCH_QUERY = { name: "replay", value: "batch" } as const;
/**
 * The query parameter (and value) of the live URL asking for a direct
 * socket: the conversation's hibernatable socket itself, no relay in the
 * Worker. The client promises a first frame right after the socket opens;
 * until a client has sent one, the runtime cannot end the connection
 * promptly when the server closes it (a sign-out's 4008 arrives at once,
 * the connection up to ~15 s later).
 */
export const DIRECT_QUERY = { name: "direct", value: "1" } as const;
/** The largest client frame accepted; a larger one closes the socket with 4009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Close codes of the live socket. A client must not reconnect after 4001/4003/4008 without a new token. */
export const CloseCode = {
  /** Missing, invalid or expired token (reason: `invalid_token` or `token_expired`). */
  invalidToken: 4001,
  /** No such conversation for this credential (reason: `not_found`). */
  forbidden: 4003,
  /** The device was signed out or its session revoked (reason: `token_revoked`). */
  revoked: 4008,
  /** A client frame over 64 KiB (reason: `payload_too_large`). */
  tooLarge: 4009,
  /** The server failed (reason: `internal`); reconnecting later is fine. */
  internal: 1011,
} as const;

/** Server: how long a `typing: on` lasts without being renewed before the server sends `off`, ms. */
export const TYPING_TTL_MS = 6_000;
/** Server: at most one `typing: on` per socket is passed on in this interval; the others only renew it, ms. */
export const TYPING_THROTTLE_MS = 2_000;
/** SDK: a repeated `typing: on` is sent again only after this long (well inside TYPING_TTL_MS), ms. */
export const TYPING_RESEND_MS = 3_000;
/** Widget: the visitor stopped typing after this long without a keystroke, ms. */
export const TYPING_IDLE_MS = 3_000;
/** Widget: an "is typing…" line disappears after this long without news (the server's `off` may be lost), ms. */
export const TYPING_SHOWN_MS = 8_000;

/** One committed event of the log: in the replay after `after`, then live. */
export interface EventFrame {
  type: "event";
  event: Event;
}

/**
 * Your `send` was committed as `seq`/`eventId` (also for a retried clientId:
 * the original event). `event` is the committed event itself, so the sender
 * needs no round trip to show it as the server has it.
 */
export interface AckFrame {
  type: "ack";
  clientId: string;
  seq: number;
  eventId: string;
  event?: Event;
}

/** A device of the conversation's customer has read up to `seq`. */
export interface ReadReceiptFrame {
  type: "read";
  userId: string;
  deviceId: string;
  seq: number;
}

/** Someone is typing; `off` comes when they stop, leave, or after TYPING_TTL_MS without news. */
export interface TypingStateFrame {
  type: "typing";
  sender: Sender;
  state: "on" | "off";
}

/** The replay is complete: every event up to `cursor` was sent; live frames follow. */
export interface ReadyFrame {
  type: "ready";
  cursor: number;
}

/** The answer to `ping`. */
export interface PongFrame {
  type: "pong";
}

/** A frame was refused; the socket stays open. `clientId` names the refused `send`. */
export interface ErrorFrame {
  type: "error";
  code: ErrorCode;
  message: string;
  clientId?: string;
}

/** An internal note was written (business sockets only; never sent to a customer credential). */
export interface NoteFrame {
  type: "note";
  note: Note;
}

/**
 * Part of a batched replay (only on a socket opened with `?replay=batch`):
 * consecutive events in seq order, each exactly as an `event` frame would
 * carry it. Not a member of ServerFrame: parseServerFrames turns it into
 * `event` frames, so code past the decoder never sees it.
 */
export interface EventsFrame {
  type: "events";
  events: Event[];
}

/** Every frame the server sends. */
export type ServerFrame =
  | EventFrame
  | NoteFrame
  | AckFrame
  | ReadReceiptFrame
  | TypingStateFrame
  | ReadyFrame
  | PongFrame
  | ErrorFrame;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` has the shape every event shares (seq, id, type, at, sender role and id); the rest is not checked. */
export function isEvent(value: unknown): value is Event {
  return (
    isRecord(value) &&
    Number.isSafeInteger(value.seq) &&
    typeof value.id === "string" &&
    typeof value.type === "string" &&
    typeof value.at === "string" &&
    isRecord(value.sender) &&
    typeof value.sender.role === "string" &&
    typeof value.sender.id === "string"
  );
}

/**
 * Decodes one server frame as a client reads it; null for anything malformed
 * or of a type this client does not read (binary data, bad JSON, unknown
 * type, missing members, `note`), which the caller then ignores. An error
 * frame with a code this client does not know decodes as `internal`.
 */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  let f: unknown;
  try {
    f = JSON.parse(data);
  } catch {
    return null;
  }
  return decodeFrame(f);
}

/** The frame in an already parsed message (see parseServerFrame). */
function decodeFrame(f: unknown): ServerFrame | null {
  if (!isRecord(f)) return null;
  switch (f.type) {
    case "event":
      return isEvent(f.event) ? { type: "event", event: f.event } : null;
    case "ack":
      if (typeof f.clientId !== "string" || !Number.isSafeInteger(f.seq) || typeof f.eventId !== "string") return null;
      // Servers before the ack carried its event send only the ids; both parse.
      return isEvent(f.event) && f.event.seq === f.seq
        ? { type: "ack", clientId: f.clientId, seq: f.seq as number, eventId: f.eventId, event: f.event }
        : { type: "ack", clientId: f.clientId, seq: f.seq as number, eventId: f.eventId };
    case "read":
      return typeof f.userId === "string" && typeof f.deviceId === "string" && Number.isSafeInteger(f.seq)
        ? { type: "read", userId: f.userId, deviceId: f.deviceId, seq: f.seq as number }
        : null;
    case "typing":
      return isRecord(f.sender) && typeof f.sender.role === "string" && typeof f.sender.id === "string" && (f.state === "on" || f.state === "off")
        ? { type: "typing", sender: f.sender as unknown as Sender, state: f.state }
        : null;
    case "ready":
      return Number.isSafeInteger(f.cursor) ? { type: "ready", cursor: f.cursor as number } : null;
    case "pong":
      return { type: "pong" };
    case "error": {
      if (typeof f.code !== "string") return null;
      // A code this SDK does not know yet is still an error the server reported.
      const code = (f.code in ERROR_STATUS ? f.code : "internal") as ErrorCode;
      const frame: ServerFrame = { type: "error", code, message: typeof f.message === "string" ? f.message : f.code };
      if (typeof f.clientId === "string") frame.clientId = f.clientId;
      return frame;
    }
    default:
      return null;
  }
}

/**
 * Decodes one server message into the frames a client acts on, in order: a
 * batched replay's `events` frame becomes one `event` frame per event (an
 * entry that is not an event is skipped, as a malformed `event` frame is);
 * anything parseServerFrame reads is one frame; anything it ignores is none.
 */
export function parseServerFrames(data: unknown): ServerFrame[] {
  if (typeof data !== "string") return [];
  let f: unknown;
  try {
    f = JSON.parse(data);
  } catch {
    return [];
  }
  if (isRecord(f) && f.type === "events") {
    if (!Array.isArray(f.events)) return [];
    const frames: ServerFrame[] = [];
    for (const event of f.events as unknown[]) if (isEvent(event)) frames.push({ type: "event", event });
    return frames;
  }
  const frame = decodeFrame(f);
  return frame ? [frame] : [];
}
