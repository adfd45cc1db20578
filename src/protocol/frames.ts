// The server side of the live (WebSocket) wire of API.md "Live": the zod
// schemas of client frames, a parser that turns any malformed client frame
// into null, and the exact encoding of server frames. What the SDK and the
// widget share with the Worker (constants, frame types, decoder) is ./wire.
import * as z from "../zod";
import { Content } from "./content";
import { BusinessSender, ClientId, type Event, type Sender } from "./event";
import { LONE_SURROGATE, loneSurrogateAt, NOT_UNICODE_TEXT, wellFormed } from "./text";
import { MAX_FRAME_BYTES, type ErrorFrame, type ServerFrame } from "./wire";

// The server frame types, for server code that reads them beside the
// encoder; their one definition is in ./wire.
export type {
  AckFrame,
  ErrorFrame,
  EventFrame,
  EventsFrame,
  NoteFrame,
  PongFrame,
  ReadReceiptFrame,
  ReadyFrame,
  ServerFrame,
  TypingStateFrame,
} from "./wire";

const Seq = z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));

/**
 * Appends a message, exactly like `POST /v1/conversations/:id/messages`.
 * `sender` is required on an API-key socket and refused on a customer socket.
 */
export const SendFrame = z.strictObject({
  type: z.literal("send"),
  clientId: ClientId,
  content: Content,
  sender: z.optional(BusinessSender),
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
  sender: z.optional(BusinessSender),
});
export type TypingFrame = z.infer<typeof TypingFrame>;

/** Keep-alive; answered with `pong` (byte-exact `{"type":"ping"}` is answered without waking the server). */
export const PingFrame = z.strictObject({ type: z.literal("ping") });
export type PingFrame = z.infer<typeof PingFrame>;

/** Every frame a client may send. */
export const ClientFrame = z.discriminatedUnion("type", [SendFrame, ReadFrame, TypingFrame, PingFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

const CLIENT_TYPES = new Set<string>(["send", "read", "typing", "ping"]);

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

/** One event's JSON exactly as an `event` frame carries it (canonical key order). */
export function encodeEvent(event: Event): string {
  return JSON.stringify(canonicalEvent(event));
}

/**
 * The exact text of a batched replay frame (`?replay=batch` sockets only;
 * wire.ts EventsFrame) around events already encoded by encodeEvent, in the
 * given order: the same bytes as encodeEventsFrame of those events.
 */
export function eventsFrameOf(encoded: readonly string[]): string {
  return `{"type":"events","events":[${encoded.join(",")}]}`;
}

/** The exact text of a batched replay frame of `events` (pinned by the golden test). */
export function encodeEventsFrame(events: readonly Event[]): string {
  return eventsFrameOf(events.map(encodeEvent));
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

/** Where `value` (the frame `text` parsed) holds half a character, or null (see loneSurrogateAt). */
function notUnicodeAt(text: string, value: unknown): string | null {
  return text.includes("\\u") ? loneSurrogateAt(value, "(frame)") : null;
}

/** A client frame, or null when the text is not one (bad JSON, unknown type, invalid fields, a string that is not Unicode text). */
export function parseClientFrame(text: string): ClientFrame | null {
  const value = jsonOf(text);
  const parsed = ClientFrame.safeParse(value);
  return parsed.success && notUnicodeAt(text, value) === null ? parsed.data : null;
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
  const notUnicode = notUnicodeAt(text, value);
  const issues = parsed.success
    ? `${notUnicode}: ${NOT_UNICODE_TEXT}`
    : parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(frame)"}: ${i.message}`).join("; ");
  // A bad key can be in zod's message ("Unrecognized key"): the error frame holds no half character either.
  const error: ErrorFrame = { type: "error", code: "invalid_request", message: wellFormed(`invalid ${type} frame: ${issues}`) };
  const clientId = ClientId.safeParse(record?.clientId);
  // Echoed only when it is Unicode text: the error frame goes out on the socket too.
  if (type === "send" && clientId.success && !LONE_SURROGATE.test(clientId.data)) error.clientId = clientId.data;
  return error;
}
