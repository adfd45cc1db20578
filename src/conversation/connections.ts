// The live sockets of one conversation (WebSocket Hibernation API): who each
// socket is (attachment + tags, rebuilt after hibernation), the gap-free
// replay, and the fan-out of events, acks, read receipts and typing.
import * as z from "../zod";
import { Access, accessCopy } from "../protocol/access";
import type { ServiceError } from "../protocol/errors";
import type { Event, Sender } from "../protocol/event";
import {
  encodeServerFrame,
  frameBytes,
  frameError,
  parseClientFrame,
  type ClientFrame,
  type TypingFrame,
} from "../protocol/frames";
import type { Note } from "../protocol/note";
import { answerClose } from "../protocol/close-frame";
import { CloseCode, MAX_FRAME_BYTES, TYPING_THROTTLE_MS, TYPING_TTL_MS, type ServerFrame } from "../protocol/wire";
import type { AppendOutcome } from "./event-store";
import { eventFor, eventForCustomer, hasBusinessOnlyParts } from "./state";
import { replayFrames } from "./replay-frames";
import { typist } from "./send-as";

/**
 * Events per SQL read while replaying; appends interleave between pages. 2,000
 * (was 500): a page costs a few ms to encode and send, so an append waits at
 * most that long, and a 10,000-event replay yields 5 times instead of 20.
 */
export const REPLAY_PAGE = 2000;

/** The part of the event log the replay reads. */
export interface EventLog {
  lastSeq(): number;
  after(after: number, limit: number): { events: Event[]; hasMore: boolean };
}

/** What survives hibernation in `serializeAttachment` (a few hundred bytes). */
const Attachment = z.object({
  v: z.literal(1),
  access: Access,
  /** The highest seq sent to the socket (meaningful while not ready). */
  sentUpTo: z.number().check(z.int(), z.gte(0)),
  /** The replay is over and `ready` was sent. */
  ready: z.boolean(),
  /** The replay goes out as `events` frames (absent: per-event frames). */
  batch: z.optional(z.boolean()),
});
type Attachment = z.infer<typeof Attachment>;

interface SocketState {
  access: Access;
  sentUpTo: number;
  ready: boolean;
  /** Replay (and gap fill) as batched `events` frames. */
  batched: boolean;
  replaying: boolean;
  dropped: boolean;
  typing: { sender: Sender; sentAt: number; timer: ReturnType<typeof setTimeout> } | null;
}

function tagsOf(access: Access): string[] {
  if (access.kind === "customer") return [`user:${access.userId}`, `device:${access.deviceId}`, "role:customer"];
  if (access.agent) return [`role:${access.role}`, `agent-session:${access.agent.sessionId}`];
  return [`role:${access.role}`, `key:${access.keyId}`];
}

/** A typing that ended: the `off` to send, and who sees it (every ready socket but the typist's that `to` accepts). */
interface TypingOff {
  typist: WebSocket;
  frame: string;
  to: (state: SocketState) => boolean;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class Connections {
  // Keyed by the socket object; after hibernation the sockets are new objects
  // and their state is rebuilt from attachments in the constructor.
  private readonly states = new WeakMap<WebSocket, SocketState>();
  /** The sockets whose typing is on, so a message finds its writer's without a pass over every socket. */
  private readonly typists = new Set<WebSocket>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly log: EventLog,
  ) {
    // Keep-alives never wake a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    // Rebuilt before anything is appended in this instance: a ready socket was
    // caught up with the log when the object went to sleep.
    for (const ws of ctx.getWebSockets()) this.restore(ws);
  }

  /** Accepts a socket for proven `access` and starts its replay after `after`; returns the client end. */
  accept(access: Access, after: number, batched = false): WebSocket {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, tagsOf(access));
    // A client that claims more than the log holds starts from the log's end.
    const state: SocketState = {
      access: accessCopy(access),
      sentUpTo: Math.min(after, this.log.lastSeq()),
      ready: false,
      batched,
      replaying: false,
      dropped: false,
      typing: null,
    };
    this.states.set(server, state);
    this.persist(server, state);
    this.startReplay(server, state);
    return client;
  }

  /**
   * Checks a raw frame: too large closes the socket (4009), malformed gets an
   * error frame, `ping` is answered here. Returns the frame to act on, or null.
   */
  receive(ws: WebSocket, message: string | ArrayBuffer): { access: Access; frame: Exclude<ClientFrame, { type: "ping" }> } | null {
    const state = this.stateOf(ws);
    if (!state) {
      // Not a socket this object accepted (no attachment): nothing to answer it as.
      try {
        ws.close(CloseCode.internal, "internal");
      } catch {
        // Already gone.
      }
      return null;
    }
    if (state.dropped) return null;
    if (frameBytes(message) > MAX_FRAME_BYTES) {
      this.drop(ws, state, CloseCode.tooLarge, "payload_too_large");
      return null;
    }
    if (typeof message !== "string") {
      this.send(ws, state, { type: "error", code: "invalid_request", message: "frames are JSON text, not binary" });
      return null;
    }
    const frame = parseClientFrame(message);
    if (!frame) {
      this.send(ws, state, frameError(message));
      return null;
    }
    if (frame.type === "ping") {
      this.send(ws, state, { type: "pong" });
      return null;
    }
    return { access: state.access, frame };
  }

  /**
   * A committed append: every ready socket gets the event, the socket that
   * sent it (if any) gets an ack instead. A retry (not created) is only acked.
   * A message ends its writer's typing, on whichever socket they typed: the
   * `off` goes out in the same pass, just before the event on each socket
   * (API.md), and before the sender's ack.
   */
  publish(outcome: AppendOutcome, from: WebSocket | null): void {
    const { event } = outcome;
    const sockets = this.ctx.getWebSockets();
    const offs = outcome.created && event.type === "message.created" ? this.endTypingOf(event.sender) : [];
    // An HTTP append to a thread nobody watches encodes nothing (nor has anyone to tell of an `off`).
    if (outcome.created && sockets.length > (from ? 1 : 0)) {
      // Encoded once for every socket (twice when customers read less of it): fan-out cost is the sends, not JSON.
      const encoded = encodeServerFrame({ type: "event", event });
      const forCustomers = hasBusinessOnlyParts(event) ? encodeServerFrame({ type: "event", event: eventForCustomer(event) }) : encoded;
      for (const ws of sockets) {
        const state = this.stateOf(ws);
        // A socket still replaying reads this event from the log in its turn.
        if (!state || state.dropped || !state.ready) continue;
        for (const off of offs) if (ws !== off.typist && off.to(state)) this.send(ws, state, off.frame);
        if (ws === from) continue;
        this.deliver(ws, state, event, state.access.kind === "customer" ? forCustomers : encoded);
      }
    }
    if (!from) return;
    const state = this.stateOf(from);
    if (!state || state.dropped) return;
    // The ack stands for the event on the sender's socket: it is not sent again.
    if (outcome.created && state.ready && event.seq > state.sentUpTo) {
      this.catchUp(from, state, event.seq - 1);
      state.sentUpTo = event.seq;
    }
    this.send(from, state, { type: "ack", clientId: event.clientId ?? "", seq: event.seq, eventId: event.id, event: eventFor(state.access, event) });
  }

  /** An internal note: business sockets only, never a customer's. */
  note(note: Note): void {
    this.fanOut({ type: "note", note }, null, (s) => s.access.kind === "business");
  }

  /** A customer device's cursor moved: tell the person's other sockets and every business socket. */
  readMoved(userId: string, deviceId: string, seq: number, from: WebSocket | null): void {
    this.fanOut({ type: "read", userId, deviceId, seq }, from, (s) => s.access.kind === "business" || s.access.userId === userId);
  }

  /** Passes `typing` on, throttled, and arranges the `off` that ends it. */
  typing(ws: WebSocket, frame: TypingFrame, now = Date.now()): void {
    const state = this.stateOf(ws);
    if (!state || state.dropped) return;
    if (frame.state === "off") {
      this.stopTyping(ws, state);
      return;
    }
    const previous = state.typing;
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.stopTyping(ws, state), TYPING_TTL_MS);
    if (previous && now - previous.sentAt < TYPING_THROTTLE_MS) {
      state.typing = { ...previous, timer };
      return;
    }
    const sender = previous?.sender ?? typist(state.access, frame.sender);
    state.typing = { sender, sentAt: now, timer };
    this.typists.add(ws);
    this.fanOut({ type: "typing", sender, state: "on" }, ws, typingAudience(state.access));
  }

  /** An error frame for a refused client frame; the socket stays open. */
  refuse(ws: WebSocket, err: ServiceError, clientId?: string): void {
    const state = this.stateOf(ws);
    if (!state || state.dropped) return;
    const details = err.errors?.map((e) => `${e.path}: ${e.message}`).join("; ");
    const message = details ? `${err.message} (${details})` : err.message;
    this.send(ws, state, { type: "error", code: err.code, message, ...(clientId !== undefined ? { clientId } : {}) });
  }

  /** Closes the socket with `code` and forgets it. */
  close(ws: WebSocket, code: number, reason: string): void {
    const state = this.stateOf(ws);
    if (state) this.drop(ws, state, code, reason);
  }

  /** Closes every socket of a signed-out device with 4008. */
  disconnectDevice(deviceId: string): number {
    const sockets = this.ctx.getWebSockets(`device:${deviceId}`);
    for (const ws of sockets) this.close(ws, CloseCode.revoked, "token_revoked");
    return sockets.length;
  }

  /** Closes every socket of a signed-out agent session with 4008. */
  disconnectAgentSession(sessionId: string): number {
    const sockets = this.ctx.getWebSockets(`agent-session:${sessionId}`);
    for (const ws of sockets) this.close(ws, CloseCode.revoked, "token_revoked");
    return sockets.length;
  }

  /** The client closed (or the connection failed): finish the close and clear its typing. */
  closed(ws: WebSocket, code: number, reason: string, clean = true): void {
    const state = this.stateOf(ws);
    if (state) {
      state.dropped = true;
      this.stopTyping(ws, state);
    }
    // The client's close frame is answered here: on a direct socket it is the
    // client's own (an unsendable one gets 1002), through the relay it is
    // already one that may be echoed.
    answerClose(ws, code, reason, clean);
  }

  private restore(ws: WebSocket): SocketState | null {
    const parsed = Attachment.safeParse(ws.deserializeAttachment());
    if (!parsed.success) return null;
    const a = parsed.data;
    const state: SocketState = {
      access: a.access,
      sentUpTo: a.ready ? this.log.lastSeq() : a.sentUpTo,
      ready: a.ready,
      batched: a.batch ?? false,
      replaying: false,
      dropped: false,
      typing: null,
    };
    this.states.set(ws, state);
    // The object was evicted in the middle of this socket's replay: go on.
    if (!state.ready) this.startReplay(ws, state);
    return state;
  }

  private stateOf(ws: WebSocket): SocketState | null {
    return this.states.get(ws) ?? this.restore(ws);
  }

  private persist(ws: WebSocket, state: SocketState): void {
    const attachment: Attachment = { v: 1, access: state.access, sentUpTo: state.sentUpTo, ready: state.ready, ...(state.batched ? { batch: true } : {}) };
    ws.serializeAttachment(attachment);
  }

  private startReplay(ws: WebSocket, state: SocketState): void {
    if (state.replaying || state.ready) return;
    state.replaying = true;
    this.replay(ws, state)
      .catch((err: unknown) => {
        console.error("live replay failed", err);
        this.drop(ws, state, CloseCode.internal, "internal");
      })
      .finally(() => {
        state.replaying = false;
      });
  }

  /**
   * Sends the log after `sentUpTo` page by page, then `ready`. Between pages
   * other work runs (appends among it); they skip this socket, and the next
   * page reads them from the log. Reading the last page and turning ready
   * happen in one synchronous step, so no append can fall between the two.
   */
  private async replay(ws: WebSocket, state: SocketState): Promise<void> {
    for (;;) {
      await nextTurn();
      if (state.dropped) return;
      const page = this.log.after(state.sentUpTo, REPLAY_PAGE);
      if (!this.sendEvents(ws, state, page.events)) return;
      if (!page.hasMore) {
        state.ready = true;
        if (!this.send(ws, state, { type: "ready", cursor: state.sentUpTo })) return;
      }
      this.persist(ws, state);
      if (state.ready) return;
    }
  }

  /** Sends `event` unless the socket has it; fills a gap from the log first (it should never have one). */
  private deliver(ws: WebSocket, state: SocketState, event: Event, encoded: string): void {
    if (event.seq <= state.sentUpTo) return;
    this.catchUp(ws, state, event.seq - 1);
    if (state.dropped) return;
    if (this.send(ws, state, encoded)) state.sentUpTo = event.seq;
  }

  private catchUp(ws: WebSocket, state: SocketState, upTo: number): void {
    while (state.sentUpTo < upTo && !state.dropped) {
      const page = this.log.after(state.sentUpTo, Math.min(REPLAY_PAGE, upTo - state.sentUpTo));
      if (page.events.length === 0) return;
      if (!this.sendEvents(ws, state, page.events)) return;
    }
  }

  /**
   * Sends events read from the log: batched frames during a replay the socket
   * asked to batch, per-event frames otherwise (after `ready` every frame is
   * per event, API.md). False when the socket dropped.
   */
  private sendEvents(ws: WebSocket, state: SocketState, events: readonly Event[]): boolean {
    for (const frame of replayFrames(events, state.access, state.batched && !state.ready)) {
      if (!this.send(ws, state, frame.text)) return false;
      state.sentUpTo = frame.upTo;
    }
    return true;
  }

  private fanOut(frame: ServerFrame | string, from: WebSocket | null, to: (state: SocketState) => boolean): void {
    const encoded = typeof frame === "string" ? frame : encodeServerFrame(frame);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws === from) continue;
      const state = this.stateOf(ws);
      if (!state || state.dropped || !state.ready || !to(state)) continue;
      this.send(ws, state, encoded);
    }
  }

  /** Ends the typing of `sender` (same role and id) on whichever sockets it is on; returns the `off`s, not yet sent. */
  private endTypingOf(sender: Sender): TypingOff[] {
    const offs: TypingOff[] = [];
    for (const ws of this.typists) {
      const state = this.states.get(ws);
      const typing = state?.typing?.sender;
      if (!state || !typing || typing.id !== sender.id || typing.role !== sender.role) continue;
      const off = this.endTyping(ws, state);
      if (off) offs.push(off);
    }
    return offs;
  }

  private stopTyping(ws: WebSocket, state: SocketState): void {
    const off = this.endTyping(ws, state);
    if (off) this.fanOut(off.frame, ws, off.to);
  }

  /** Clears the typing of `ws` and returns the `off` that ends it for the others; null when it was not typing. */
  private endTyping(ws: WebSocket, state: SocketState): TypingOff | null {
    const typing = state.typing;
    this.typists.delete(ws);
    if (!typing) return null;
    clearTimeout(typing.timer);
    state.typing = null;
    return { typist: ws, frame: encodeServerFrame({ type: "typing", sender: typing.sender, state: "off" }), to: typingAudience(state.access) };
  }

  /** One send; a socket whose send throws is closed and dropped so it cannot hold up the others. */
  private send(ws: WebSocket, state: SocketState, frame: ServerFrame | string): boolean {
    if (state.dropped) return false;
    try {
      ws.send(typeof frame === "string" ? frame : encodeServerFrame(frame));
      return true;
    } catch (err) {
      console.warn("live send failed; dropping the socket", err);
      this.drop(ws, state, CloseCode.internal, "send_failed");
      return false;
    }
  }

  private drop(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    if (state.dropped) return;
    state.dropped = true;
    try {
      ws.close(code, reason);
    } catch {
      // The connection is already gone.
    }
    this.stopTyping(ws, state);
  }
}

/** Who sees someone typing: everyone else, but not the typist's own devices. */
function typingAudience(typist: Access): (state: SocketState) => boolean {
  if (typist.kind === "business") return () => true;
  return (s) => s.access.kind === "business" || s.access.userId !== typist.userId;
}
