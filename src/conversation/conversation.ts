// The Conversation Durable Object: the single source of truth for one thread.
// Each method delegates to a module (event store, read cursors, meta, live
// connections); every write is committed to SQLite before it is answered or
// broadcast.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { contentNotAllowed, type Content, type PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { CloseCode, type ClientFrame } from "../protocol/frames";
import type { Access } from "../protocol/access";
import type { ConversationInfo, Event, Owner, Sender } from "../protocol/event";
import { toResult, type Result } from "../protocol/result";
import { findTenant } from "../directory/tenants";
import { limitsOf } from "../ratelimit/limits";
import type { BucketLimit } from "../ratelimit/token-bucket";
import { LocalBuckets } from "../ratelimit/local-buckets";
import type { ThreadSummary } from "../protocol/thread";
import { Connections, liveOpeningOf } from "./connections";
import { handoverSender, paymentUpdate } from "./business-events";
import { EventStore, type AppendOutcome } from "./event-store";
import { MetaStore, type ConversationMeta } from "./meta";
import { ReadCursors } from "./reads";
import { migrate } from "./schema";

/** How long thread-list updates are gathered before one push to the Customer DO… */
const SUMMARY_DELAY_MS = 150;
/** …and the least time between two pushes of one busy thread. */
const SUMMARY_INTERVAL_MS = 2_000;

export interface SendInput {
  clientId: string;
  content: Content;
  /** Required for business senders, ignored for customers. */
  sender?: { role: "bot" | "agent"; id: string; name?: string };
}

export interface EventsQuery {
  after?: number;
  before?: number;
  limit: number;
}

export interface EventsPage {
  events: Event[];
  cursor: number;
  hasMore: boolean;
}

export class Conversation extends DurableObject<Env> {
  private readonly store: EventStore;
  private readonly reads: ReadCursors;
  private readonly meta: MetaStore;
  private readonly live: Connections;
  /** Customer sends per device, HTTP and socket alike, counted here: no limiter round trip per message. */
  private readonly deviceSends = new LocalBuckets();
  /** The tenant's per-device send limit; undefined until loaded (the var default applies meanwhile). */
  private deviceSendLimit: BucketLimit | null | undefined;
  private summaryPush: Promise<void> | null = null;
  private summaryPushedAt = 0;
  private summaryDirty = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    migrate(sql);
    this.store = new EventStore(sql);
    this.reads = new ReadCursors(sql);
    this.meta = new MetaStore(sql);
    this.live = new Connections(ctx, this.store);
  }

  /** Creates the conversation for its owner; a no-op when it exists. */
  async init(input: { tenant: string; id: string; userId: string; ref?: string }): Promise<ConversationInfo> {
    let meta = this.meta.get();
    if (!meta) {
      meta = {
        tenant: input.tenant,
        id: input.id,
        userId: input.userId,
        status: "open",
        owner: "bot",
        createdAt: new Date().toISOString(),
        ...(input.ref ? { ref: input.ref } : {}),
      };
      this.meta.put(meta);
    }
    return this.info(meta);
  }

  async get(access: Access): Promise<Result<{ conversation: ConversationInfo; reads: Record<string, number> }>> {
    return toResult(() => ({ conversation: this.info(this.authorize(access)), reads: this.reads.all() }));
  }

  async events(access: Access, query: EventsQuery): Promise<Result<EventsPage>> {
    return toResult(() => {
      this.authorize(access);
      if (query.before !== undefined) {
        const page = this.store.before(query.before, query.limit);
        return { ...page, cursor: page.events[0]?.seq ?? query.before };
      }
      const after = query.after ?? 0;
      const page = this.store.after(after, query.limit);
      // Past the end, the real end is the cursor (as the socket's `ready` says), never a seq that does not exist.
      return { ...page, cursor: page.events.at(-1)?.seq ?? Math.min(after, this.store.lastSeq()) };
    });
  }

  async append(access: Access, input: SendInput): Promise<Result<AppendOutcome>> {
    if (access.kind === "customer" && this.deviceSendLimit === undefined) await this.loadDeviceSendLimit(access.tenant);
    return toResult(() => this.commit(access, input, null));
  }

  async markRead(access: Access, seq: number): Promise<Result<{ seq: number }>> {
    return toResult(() => this.moveRead(access, seq, null));
  }

  /** Passes the thread between the bot and a human agent; a no-op when the owner does not change. */
  async handover(
    access: Access,
    input: { owner: Owner; agentId?: string; reason?: string },
  ): Promise<Result<{ conversation: ConversationInfo; event: Event | null }>> {
    return toResult(() => {
      const meta = this.authorize(access);
      if (meta.owner === input.owner) return { conversation: this.info(meta), event: null };
      const next = this.meta.update({ owner: input.owner });
      const outcome = this.store.append({
        type: "conversation.updated",
        sender: handoverSender(input.owner, input.agentId),
        status: next.status,
        owner: next.owner,
        ...(input.reason ? { reason: input.reason } : {}),
      });
      this.summaryChanged(next);
      this.live.publish(outcome, null);
      return { conversation: this.info(next), event: outcome.event };
    });
  }

  /** Records a payment request's new status (paid or cancelled) as a payment.updated event. */
  async updatePayment(access: Access, requestId: string, status: PaymentStatus): Promise<Result<AppendOutcome>> {
    return toResult(() => {
      const meta = this.authorize(access);
      const update = paymentUpdate(this.ctx.storage.sql, this.store, requestId, status, { role: "system", id: "payments" });
      if (update === null) throw new ServiceError("conflict", `payment request ${requestId} already is ${status}`);
      if ("seq" in update) return { event: update, created: false };
      const outcome = this.store.append(update);
      this.summaryChanged(meta);
      this.live.publish(outcome, null);
      return outcome;
    });
  }

  /** Opens a live socket; the Worker has proven `access` (src/http/live.ts). */
  override async fetch(request: Request): Promise<Response> {
    const opening = liveOpeningOf(request);
    if (!opening) return new Response(null, { status: 400 });
    const allowed = await toResult(() => this.authorize(opening.access));
    if (!allowed.ok) return new Response(null, { status: 404 });
    await this.loadDeviceSendLimit(opening.access.tenant);
    return new Response(null, { status: 101, webSocket: this.live.accept(opening.access, opening.after) });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const received = this.live.receive(ws, message);
    if (!received) return;
    const { access, frame } = received;
    try {
      this.onFrame(ws, access, frame);
    } catch (err) {
      if (err instanceof ServiceError) return this.live.refuse(ws, err, frame.type === "send" ? frame.clientId : undefined);
      console.error("live frame failed", err);
      this.live.close(ws, CloseCode.internal, "internal");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.live.closed(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.live.closed(ws, CloseCode.internal, "internal");
  }

  /** Closes every live socket of a signed-out device with 4008 (called on sign-out). */
  async disconnectDevice(deviceId: string): Promise<void> {
    this.live.disconnectDevice(deviceId);
  }

  /** Retries a summary push that failed (the Customer DO was unreachable). */
  override async alarm(): Promise<void> {
    const meta = this.meta.get();
    if (meta) this.summaryChanged(meta);
    await this.summaryPush;
  }

  private async loadDeviceSendLimit(tenant: string): Promise<void> {
    try {
      this.deviceSendLimit = limitsOf(this.env, (await findTenant(this.env.DB, tenant))?.rateLimits).sendsPerDevice;
    } catch (err) {
      console.error("loading the tenant's send limit failed; the default applies", err);
    }
  }

  /** The one append path: HTTP and live `send` frames. Persist, then broadcast. */
  private commit(access: Access, input: SendInput, from: WebSocket | null): AppendOutcome {
    const meta = this.authorize(access);
    if (access.kind === "customer") {
      const limit = this.deviceSendLimit === undefined ? limitsOf(this.env, undefined).sendsPerDevice : this.deviceSendLimit;
      this.deviceSends.take(`${access.userId}:${access.deviceId}`, limit);
    }
    const sender = senderOf(access, input);
    const refused = contentNotAllowed(sender.role, input.content);
    if (refused) throw new ServiceError("invalid_request", refused.message, { errors: [refused] });
    const outcome = this.store.append({
      type: "message.created",
      sender,
      clientId: input.clientId,
      content: input.content,
    });
    if (outcome.created && access.kind === "customer") {
      // Writing in a thread means having read it up to one's own message.
      this.reads.mark(access.deviceId, access.userId, outcome.event.seq);
    }
    if (outcome.created) this.summaryChanged(meta);
    this.live.publish(outcome, from);
    return outcome;
  }

  private moveRead(access: Access, seq: number, from: WebSocket | null): { seq: number } {
    const meta = this.authorize(access);
    if (access.kind !== "customer") throw new ServiceError("forbidden", "only customer devices keep read cursors");
    const cursor = this.reads.mark(access.deviceId, access.userId, Math.min(seq, this.store.lastSeq()));
    if (cursor.moved) {
      this.summaryChanged(meta);
      this.live.readMoved(access.userId, access.deviceId, cursor.seq, from);
    }
    return { seq: cursor.seq };
  }

  private onFrame(ws: WebSocket, access: Access, frame: Exclude<ClientFrame, { type: "ping" }>): void {
    switch (frame.type) {
      case "send": {
        if (access.kind === "customer" && frame.sender) {
          throw new ServiceError("invalid_request", "customers cannot choose a sender", {
            errors: [{ path: "sender", message: "not allowed with a session token" }],
          });
        }
        if (this.deviceSendLimit === undefined) void this.loadDeviceSendLimit(access.tenant);
        const input: SendInput = { clientId: frame.clientId, content: frame.content };
        if (frame.sender) input.sender = frame.sender;
        this.commit(access, input, ws);
        return;
      }
      case "read":
        this.moveRead(access, frame.seq, ws);
        return;
      case "typing":
        this.authorize(access);
        this.live.typing(ws, frame);
        return;
    }
  }

  private authorize(access: Access): ConversationMeta {
    const meta = this.meta.get();
    // Another person's thread, or one that does not exist: the same 404.
    if (!meta || meta.tenant !== access.tenant || (access.kind === "customer" && meta.userId !== access.userId)) {
      throw new ServiceError("not_found", "conversation not found");
    }
    return meta;
  }

  private info(meta: ConversationMeta): ConversationInfo {
    const info: ConversationInfo = {
      id: meta.id,
      status: meta.status,
      owner: meta.owner,
      lastSeq: this.store.lastSeq(),
      createdAt: meta.createdAt,
    };
    if (meta.ref) info.ref = meta.ref;
    return info;
  }

  private summary(meta: ConversationMeta): ThreadSummary {
    const last = this.store.last();
    const readSeq = this.reads.ofUser(meta.userId);
    return {
      id: meta.id,
      status: meta.status,
      lastSeq: last?.seq ?? 0,
      readSeq,
      unread: this.store.unreadAfter(readSeq),
      lastEvent: last,
      updatedAt: last?.at ?? meta.createdAt,
    };
  }

  /**
   * Keeps the owner's thread list current. A quiet thread pushes its summary
   * to the Customer DO SUMMARY_DELAY_MS after a change; a busy one at most
   * every SUMMARY_INTERVAL_MS, all changes in between collapsing into one
   * push. The list may lag a busy thread by two seconds; the log never lags.
   */
  private summaryChanged(meta: ConversationMeta): void {
    this.summaryDirty = true;
    if (this.summaryPush) return;
    this.summaryPush = (async () => {
      try {
        while (this.summaryDirty) {
          const wait = Math.max(SUMMARY_DELAY_MS, this.summaryPushedAt + SUMMARY_INTERVAL_MS - Date.now());
          await new Promise((resolve) => setTimeout(resolve, wait));
          this.summaryDirty = false;
          this.summaryPushedAt = Date.now();
          const current = this.meta.get() ?? meta;
          const customer = this.env.CUSTOMER.getByName(`${current.tenant}:${current.userId}`);
          await customer.recordThread(this.summary(current));
        }
      } catch (err) {
        console.error("thread summary push failed; retrying by alarm", err);
        await this.ctx.storage.setAlarm(Date.now() + 2_000);
      } finally {
        this.summaryPush = null;
      }
    })();
  }

  /**
   * A guest signed in: the thread, with its history and read cursors, now
   * belongs to the identified person, whose list gets it. Idempotent, so an
   * interrupted merge can be finished.
   */
  async reassignOwner(fromUserId: string, toUserId: string): Promise<Result<ThreadSummary>> {
    return toResult(() => {
      const meta = this.meta.get();
      if (!meta || (meta.userId !== fromUserId && meta.userId !== toUserId)) {
        throw new ServiceError("not_found", "conversation not found");
      }
      this.reads.reassign(fromUserId, toUserId);
      const next = this.meta.update({ userId: toUserId });
      this.summaryChanged(next);
      return this.summary(next);
    });
  }
}

function senderOf(access: Access, input: SendInput): Sender {
  if (access.kind === "customer") {
    const sender: Sender = { role: "customer", id: access.userId, deviceId: access.deviceId };
    if (access.name) sender.name = access.name;
    return sender;
  }
  if (!input.sender) {
    throw new ServiceError("invalid_request", "sender is required with an API key", {
      errors: [{ path: "sender", message: "required" }],
    });
  }
  return { ...input.sender };
}
