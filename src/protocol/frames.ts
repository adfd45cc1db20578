// The live (WebSocket) wire contract of API.md "Live": client and server
// frames as discriminated unions on `type`, their exact encoding, and a
// parser that turns any malformed client frame into null.
import { z } from "zod";
import { Content } from "./content";
import type { ErrorCode } from "./errors";
import { BusinessSender, ClientId, type Event, type Sender } from "./event";
import type { Note } from "./note";

/** The subprotocol a client offers and the server answers with. */
export const LIVE_PROTOCOL = "carryover.v1";
/** The subprotocol entry that carries the session token or API key: `bearer.<token>`. */
export const BEARER_PREFIX = "bearer.";
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

const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Appends a message, exactly like `POST /v1/conversations/:id/messages`.
 * `sender` is required on an API-key socket and refused on a customer socket.
 */
export const SendFrame = z.strictObject({
  type: z.literal("send"),
  clientId: ClientId,
  content: Content,
  sender: BusinessSender.optional(),
});
export type SendFrame = z.infer<typeof SendFrame>;

/** Moves this device's read cursor to `seq` (never backwards). Customer sockets only. */
export const ReadFrame = z.strictObject({ type: z.literal("read"), seq: Seq });
export type ReadFrame = z.infer<typeof ReadFrame>;

/**
 * The sender is typing (`on`) or stopped (`off`). Not stored. An API-key
 * socket may name who is typing with `sender`.
 */
export const TypingFrame = z.strictObject({
  type: z.literal("typing"),
  state: z.enum(["on", "off"]),
  sender: BusinessSender.optional(),
});
export type TypingFrame = z.infer<typeof TypingFrame>;

/** Keep-alive; answered with `pong` (byte-exact `{"type":"ping"}` is answered without waking the server). */
export const PingFrame = z.strictObject({ type: z.literal("ping") });
export type PingFrame = z.infer<typeof PingFrame>;

/** Every frame a client may send. */
export const ClientFrame = z.discriminatedUnion("type", [SendFrame, ReadFrame, TypingFrame, PingFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

const CLIENT_TYPES = new Set<string>(["send", "read", "typing", "ping"]);

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

/** How long a `typing: on` lasts without being renewed before the server sends `off`. */
export const TYPING_TTL_MS = 6_000;
/** At most one `typing: on` per socket is passed on in this interval; the others only renew it. */
export const TYPING_THROTTLE_MS = 2_000;

/**
 * An event with its keys in one order (API.md's), whether it was just
 * appended or read back from SQLite, so the bytes of a frame never depend
 * on the path the event took.
 */
function canonicalEvent(event: Event): Event {
  const { seq, id, type, at, sender, clientId, ...rest } = event;
  return {
    seq,
    id,
    type,
    at,
    sender: canonicalSender(sender),
    ...(clientId !== undefined ? { clientId } : {}),
    ...rest,
  } as Event;
}

function canonicalSender(sender: Sender): Sender {
  const out: Sender = { role: sender.role, id: sender.id };
  if (sender.name !== undefined) out.name = sender.name;
  if (sender.deviceId !== undefined) out.deviceId = sender.deviceId;
  return out;
}

/** The exact text of a server frame on the wire (pinned by the golden test). */
export function encodeServerFrame(frame: ServerFrame): string {
  switch (frame.type) {
    case "event":
      return JSON.stringify({ type: "event", event: canonicalEvent(frame.event) });
    case "ack":
      return JSON.stringify({
        type: "ack",
        clientId: frame.clientId,
        seq: frame.seq,
        eventId: frame.eventId,
        ...(frame.event ? { event: canonicalEvent(frame.event) } : {}),
      });
    case "read":
      return JSON.stringify({ type: "read", userId: frame.userId, deviceId: frame.deviceId, seq: frame.seq });
    case "typing":
      return JSON.stringify({ type: "typing", sender: canonicalSender(frame.sender), state: frame.state });
    case "ready":
      return JSON.stringify({ type: "ready", cursor: frame.cursor });
    case "note":
      return JSON.stringify({ type: "note", note: { ...frame.note, sender: canonicalSender(frame.note.sender) } });
    case "pong":
      return JSON.stringify({ type: "pong" });
    case "error":
      return JSON.stringify({
        type: "error",
        code: frame.code,
        message: frame.message,
        ...(frame.clientId !== undefined ? { clientId: frame.clientId } : {}),
      });
  }
}

/** The byte length of a frame as UTF-8, without encoding it when it is clearly small. */
export function frameBytes(message: string | ArrayBuffer): number {
  if (typeof message !== "string") return message.byteLength;
  if (message.length * 3 <= MAX_FRAME_BYTES) return message.length;
  return new TextEncoder().encode(message).byteLength;
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A client frame, or null when the text is not one (bad JSON, unknown type, invalid fields). */
export function parseClientFrame(text: string): ClientFrame | null {
  const parsed = ClientFrame.safeParse(jsonOf(text));
  return parsed.success ? parsed.data : null;
}

/** Why `text` is not a client frame: the error frame answered for it. */
export function frameError(text: string): ErrorFrame {
  const value = jsonOf(text);
  if (value === undefined) return { type: "error", code: "invalid_request", message: "the frame is not valid JSON" };
  const record = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  const type = record?.type;
  if (typeof type !== "string" || !CLIENT_TYPES.has(type)) {
    return { type: "error", code: "invalid_request", message: "unknown frame type; expected send, read, typing or ping" };
  }
  const parsed = ClientFrame.safeParse(value);
  const issues = parsed.success
    ? ""
    : parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(frame)"}: ${i.message}`).join("; ");
  const error: ErrorFrame = { type: "error", code: "invalid_request", message: `invalid ${type} frame: ${issues}` };
  const clientId = ClientId.safeParse(record?.clientId);
  if (type === "send" && clientId.success) error.clientId = clientId.data;
  return error;
}
