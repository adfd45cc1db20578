// The write paths of one conversation and the live frames that lead to them:
// messages (HTTP, live `send` frames, broadcasts, messenger channels), read
// cursors, payment updates, and what follows every committed write. Each is
// persisted first (synchronous SQL, one transaction), then fanned out to live
// sockets, the directory and the outbox.
import type { ConversationFiles } from "../attachments/conversation-files";
import type { ChannelBindings } from "../channels/binding";
import { reportBroadcastReads } from "../broadcast/read-report";
import { applyUnsubscribePostback, unsubscribeTopicOf } from "../broadcast/subscriptions";
import type { Env } from "../env";
import type { Outbox } from "../outbox/outbox";
import type { Access, CustomerAccess } from "../protocol/access";
import { contentNotAllowed, type PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import type { ClientFrame } from "../protocol/frames";
import type { Note } from "../protocol/note";
import { businessMeta, type Authorize } from "./authorize";
import { paymentUpdate } from "./business-events";
import type { Connections } from "./connections";
import type { DirectorySync } from "./directory-sync";
import type { AppendOutcome, EventStore } from "./event-store";
import { assertBotMaySend } from "./handover";
import type { ConversationMeta, MetaStore } from "./meta";
import type { NotesStore } from "./notes";
import { noteCreated, readMoved } from "./outbox-entries";
import type { ReadCursors } from "./reads";
import type { ChannelMessageInput, NoteInput, SendInput } from "./rpc-types";
import { messageSender, noteAuthor } from "./send-as";
import { stateOf } from "./state";
import type { StateWriter } from "./state-writer";
import type { TenantCache } from "./tenant-cache";

/** The stores and neighbours of one Conversation DO that its writes touch. */
export interface WritesDeps {
  env: Env;
  sql: SqlStorage;
  meta: MetaStore;
  store: EventStore;
  reads: ReadCursors;
  files: ConversationFiles;
  live: Connections;
  outbox: Outbox;
  state: StateWriter;
  tenantCache: TenantCache;
  directory: DirectorySync;
  notes: NotesStore;
  bindings: ChannelBindings;
  /** The DO's one authorization (revocation, then whose thread it is). */
  authorize: Authorize;
}

/**
 * One conversation's writes. Synchronous up to the commit, so each is atomic
 * inside the Durable Object; errors are ServiceErrors (the caller answers
 * them as a Result or a refused frame).
 */
export class Writes {
  constructor(private readonly deps: WritesDeps) {}

  /**
   * After every committed event: live fan-out, then the customer's thread list.
   * The one place a new sink of events (such as a webhook outbox) hooks in.
   */
  committed(outcome: AppendOutcome, from: WebSocket | null): void {
    this.deps.live.publish(outcome, from);
    if (!outcome.created) return;
    // The owner's thread list pulls its summary (threadSummary) when read: no push per event.
    this.deps.directory.changed();
  }

  /** After a note is written: business sockets. The place a note sink (webhooks) hooks in. */
  noteCommitted(note: Note): void {
    const meta = this.deps.meta.get();
    if (meta) this.deps.outbox.enqueue(noteCreated(note, meta.owner));
    this.deps.live.note(note);
  }

  /** The one append path: HTTP and live `send` frames. Persist, then broadcast. */
  commit(access: Access, input: SendInput, from: WebSocket | null): AppendOutcome {
    const meta = this.authorize(access);
    if (access.kind === "customer") {
      this.deps.tenantCache.takeDeviceSend(access);
    }
    const sender = messageSender(access, input.sender);
    // A channel message is whatever the platform carried (media by the platform's URL included).
    const refused = input.channel ? null : contentNotAllowed(sender.role, input.content);
    if (refused) throw new ServiceError("invalid_request", refused.message, { errors: [refused] });
    const attachment = this.deps.files.forMessage(input.content);
    const state = stateOf(meta);
    // A broadcast reaches every subscriber, whoever owns their thread.
    if (!input.broadcastId) assertBotMaySend(state, sender);
    const draft = {
      type: "message.created",
      sender,
      clientId: input.clientId,
      content: input.content,
      ...(attachment ? { attachment } : {}),
      ...(input.broadcastId ? { broadcastId: input.broadcastId } : {}),
      ...(input.channel ? { channel: input.channel } : {}),
    } as const;
    // A customer's message carries their device: the row is their read cursor's move (reads.ts).
    const outcome = this.deps.store.append(draft, new Date(), access.kind === "customer" ? access.deviceId : null);
    if (!outcome.created) {
      this.deps.live.publish(outcome, from);
      return outcome;
    }
    if (attachment) this.deps.files.markSent(attachment.id, outcome.event.seq);
    if (access.kind === "customer") {
      // Writing in a thread means having read it up to one's own message.
      const before = this.deps.reads.ofUser(access.userId);
      this.deps.reads.markAppended(access.deviceId, access.userId, outcome.event.seq);
      if (this.deps.store.mayHoldBroadcasts(before, outcome.event.seq)) void reportBroadcastReads(this.deps.sql, this.deps.env.DB, access.userId, before, outcome.event.seq);
    }
    this.deps.state.messageWritten(access, sender, outcome.event.at);
    this.committed(outcome, from);
    this.deps.state.afterMessage(state, sender);
    return outcome;
  }

  /** A message from a person's messenger identity: the thread (re)bound to that identity, then the one append path. */
  fromChannel(access: CustomerAccess, input: ChannelMessageInput): AppendOutcome {
    this.authorize(access);
    this.deps.bindings.bind(input.channel, input.recipient, this.deps.store.lastSeq(), input.at);
    return this.commit(access, { clientId: input.clientId, content: input.content, channel: input.channel }, null);
  }

  /** Writes an internal note (business only); business sockets get it as a `note` frame. */
  addNote(access: Access, input: NoteInput): { note: Note; created: boolean } {
    businessMeta(this.deps.meta.get(), access);
    const sender = noteAuthor(access, input.sender);
    const outcome = this.deps.notes.add(sender, input.clientId, input.text, this.deps.store.lastSeq());
    if (outcome.created) this.noteCommitted(outcome.note);
    return outcome;
  }

  /** A customer's `carryover:unsubscribe:<topic>` postback (the broadcast "Stop" reply) opts them out. */
  async optOut(access: Access, outcome: AppendOutcome): Promise<void> {
    const { event } = outcome;
    if (!outcome.created || access.kind !== "customer" || event.type !== "message.created") return;
    if (event.content.type !== "postback" || unsubscribeTopicOf(event.content.payload) === null) return;
    await applyUnsubscribePostback(this.deps.env.DB, access.tenant, access.userId, event.content.payload);
  }

  /** Moves a customer device's read cursor (HTTP and live `read` frames); never past the log's end. */
  moveRead(access: Access, seq: number, from: WebSocket | null): { seq: number } {
    const meta = this.authorize(access);
    if (access.kind !== "customer") throw new ServiceError("forbidden", "only customer devices keep read cursors");
    const before = this.deps.reads.ofUser(access.userId);
    const cursor = this.deps.reads.mark(access.deviceId, access.userId, Math.min(seq, this.deps.store.lastSeq()));
    if (cursor.moved) {
      if (this.deps.store.mayHoldBroadcasts(before, cursor.seq)) void reportBroadcastReads(this.deps.sql, this.deps.env.DB, access.userId, before, cursor.seq);
      this.deps.outbox.enqueue(readMoved(meta, { userId: access.userId, deviceId: access.deviceId, seq: cursor.seq }));
      this.deps.live.readMoved(access.userId, access.deviceId, cursor.seq, from);
    }
    return { seq: cursor.seq };
  }

  /** Records a payment request's new status (paid or cancelled) as a payment.updated event. */
  updatePayment(access: Access, requestId: string, status: PaymentStatus): AppendOutcome {
    this.authorize(access);
    const update = paymentUpdate(this.deps.store, requestId, status, { role: "system", id: "payments" });
    if (update === null) throw new ServiceError("conflict", `payment request ${requestId} already is ${status}`);
    if ("seq" in update) return { event: update, created: false };
    const outcome = this.deps.store.append(update);
    this.deps.state.touch({});
    this.committed(outcome, null);
    return outcome;
  }

  /** Acts on a client frame of a live socket (`ping` is answered by Connections); a ServiceError thrown is the frame's refusal. */
  onFrame(ws: WebSocket, access: Access, frame: Exclude<ClientFrame, { type: "ping" }>): void {
    switch (frame.type) {
      case "send": {
        messageSender(access, frame.sender);
        void this.deps.tenantCache.ensure(access.tenant);
        const input: SendInput = { clientId: frame.clientId, content: frame.content };
        if (frame.sender) input.sender = frame.sender;
        void this.optOut(access, this.commit(access, input, ws));
        return;
      }
      case "read":
        this.moveRead(access, frame.seq, ws);
        return;
      case "typing":
        this.authorize(access);
        this.deps.live.typing(ws, frame);
        return;
    }
  }

  private authorize(access: Access): ConversationMeta {
    return this.deps.authorize(access);
  }
}
