// The Conversation Durable Object: the single source of truth for one thread.
// Each method delegates to a module (event store, read cursors, meta, live
// connections); every write is committed to SQLite before it is answered or
// broadcast.
import { messageSender, noteAuthor } from "./send-as";
import { customerStub } from "../directory/stubs";
import { isGuestId } from "../ids";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { contentNotAllowed, type Content, type PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import type { ClientFrame } from "../protocol/frames";
import { CloseCode } from "../protocol/wire";
import type { Access, CustomerAccess } from "../protocol/access";
import type { BusinessConversationInfo, ConversationInfo, Event, Owner } from "../protocol/event";
import type { Note } from "../protocol/note";
import { toResult, type Result } from "../protocol/result";
import { findTenant } from "../directory/tenants";
import { limitsOf } from "../ratelimit/limits";
import type { BucketLimit } from "../ratelimit/token-bucket";
import { LocalBuckets } from "../ratelimit/local-buckets";
import type { ThreadSummary } from "../protocol/thread";
import { Outbox } from "../outbox/outbox";
import { sinkKinds } from "../outbox/kinds";
import { Connections, liveOpeningOf } from "./connections";
import { conversationCreated, conversationStream, enqueueEvent, noteCreated, readMoved } from "./outbox-entries";
import { SinkInterest } from "./sink-interest";
import { forgetEndpoints, wantedTypes } from "../webhooks/endpoints";
import { handoverSender, paymentUpdate } from "./business-events";
import { EventStore, type AppendOutcome } from "./event-store";
import { eventsPageJson } from "./event-pages";
import { assertBotMaySend, DEFAULT_IDLE_RETURN_MINUTES, handedOver, ownerRefOf, type HandoverInput } from "./handover";
import { MetaStore, type ConversationMeta } from "./meta";
import { NotesStore } from "./notes";
import { ReadCursors } from "./reads";
import { migrate } from "./schema";
import { ConversationFiles } from "../attachments/conversation-files";
import type { Attachment } from "../protocol/attachment";
import { applyUnsubscribePostback, unsubscribeTopicOf } from "../broadcast/subscriptions";
import { reportBroadcastReads } from "../broadcast/read-report";
import { actorOf, businessInfo, eventFor, eventForCustomer, patched, stateOf, type StatePatch } from "./state";
import { DirectorySync } from "./directory-sync";
import { shardName } from "../inbox-feed/names";
import { StateWriter } from "./state-writer";
import { Timers } from "./timers";
import { idleReturnMinutesOf } from "../directory/tenant-settings";
import { ChannelBindings, type ChannelBinding } from "../channels/binding";
import { ChannelSends, type ChannelDelivery } from "../channels/channel-sends";
import type { ChannelKind } from "../channels/settings";

/** How long thread-list updates are gathered before one push to the Customer DO… */
const SUMMARY_DELAY_MS = 150;
/** …and the least time between two pushes of one busy thread. */
const SUMMARY_INTERVAL_MS = 2_000;
/** How often the tenant's settings (limits, idle return) are read again. */
const TENANT_REFRESH_MS = 60_000;

export interface SendInput {
  clientId: string;
  content: Content;
  /** Required for business senders, ignored for customers. */
  sender?: { role: "bot" | "agent"; id: string; name?: string };
  /** Set only by the broadcast fan-out (src/broadcast/deliver.ts); never from a request body. */
  broadcastId?: string;
  /** Set only by receiveFromChannel: the messenger app the customer wrote in. */
  channel?: ChannelKind;
}

export interface EventsQuery {
  after?: number;
  before?: number;
  limit: number;
}

export interface NoteInput {
  clientId: string;
  text: string;
  /** API keys may name the writer; agent sessions always write as their agent. */
  sender?: { role: "bot" | "agent"; id: string; name?: string };
}

/** A state change answered to the business: the conversation after it, and its event (null when nothing changed). */
export interface StateAnswer {
  conversation: BusinessConversationInfo;
  event: Event | null;
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
  private readonly files: ConversationFiles;
  /** Webhook and channel deliveries of this thread, drained by the alarm. */
  private readonly outbox: Outbox;
  /** Whether a webhook endpoint takes an entry type: no outbox row, no alarm for tenants without one. */
  private readonly sinkInterest: SinkInterest;
  private readonly notes: NotesStore;
  private readonly timers: Timers;
  private readonly directory: DirectorySync;
  private readonly state: StateWriter;
  private readonly channels: ChannelBindings;
  /** Parts, platform ids and receipts of channel deliveries; redeemed channel-link refs. */
  private readonly channelSends: ChannelSends;
  /** Customer sends per device, HTTP and socket alike, counted here: no limiter round trip per message. */
  private readonly deviceSends = new LocalBuckets();
  /** The tenant's per-device send limit; undefined until loaded (the var default applies meanwhile). */
  private deviceSendLimit: BucketLimit | null | undefined;
  /** The tenant's handover.idleReturnMinutes (null = never); the default until loaded. */
  private idleReturnMinutes: number | null = DEFAULT_IDLE_RETURN_MINUTES;
  private tenantLoadedAt = 0;
  private summaryPush: Promise<void> | null = null;
  private summaryPushedAt = 0;
  private summaryDirty = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    migrate(sql);
    this.channelSends = new ChannelSends(sql);
    const channelHost = { binding: () => this.channels.get(), sends: this.channelSends };
    this.sinkInterest = new SinkInterest({
      watch: (tenant, until) => env.TENANT_OUTBOX.getByName(tenant).watchEndpoints(tenant, this.meta.get()!.id, until),
      wantedTypes: (tenant) => wantedTypes(env, tenant),
    });
    this.outbox = new Outbox(ctx.storage, sinkKinds(env, channelHost), () => conversationStream(this.meta.get()), {
      ordered: true,
      wake: (at) => this.timers.setEarliest("outbox", at),
      // A bound thread's entries are kept whatever the endpoints (channel sinks take them).
      wants: (entry) => {
        const meta = this.meta.get();
        return !meta || this.channels.get() !== null || this.sinkInterest.wants(meta.tenant, entry.type);
      },
    });
    this.store = new EventStore(sql, (event) => enqueueEvent(this.outbox, event, this.meta.get(), () => this.channels.get()));
    this.reads = new ReadCursors(sql);
    this.meta = new MetaStore(sql);
    this.live = new Connections(ctx, this.store);
    this.files = new ConversationFiles(sql, (at) => this.timers.setEarliest("files", at), env.ATTACHMENTS);
    this.notes = new NotesStore(sql);
    this.timers = new Timers(sql, ctx.storage);
    this.state = new StateWriter({
      meta: this.meta,
      store: this.store,
      timers: this.timers,
      idleReturnMinutes: () => this.idleReturnMinutes,
      committed: (outcome) => this.committed(outcome, null),
    });
    this.directory = new DirectorySync(sql, this.store, env.DB, this.timers, () => this.meta.get(), (tenant, row) =>
      env.INBOX.getByName(shardName(tenant, row.id)).publish(tenant, row),
    );
    this.channels = new ChannelBindings(sql);
  }

  /** Creates the conversation for its owner; a no-op when it exists. */
  async init(input: { tenant: string; id: string; userId: string; ref?: string; customerName?: string }): Promise<ConversationInfo> {
    let meta = this.meta.get();
    if (!meta) {
      meta = {
        tenant: input.tenant,
        id: input.id,
        userId: input.userId,
        status: "open",
        owner: "bot",
        ownerEpoch: 0,
        createdAt: new Date().toISOString(),
        ...(input.ref ? { ref: input.ref } : {}),
        ...(input.customerName ? { customerName: input.customerName } : {}),
        version: 1,
      };
      this.meta.put(meta);
      this.outbox.enqueue(conversationCreated(meta, this.info(meta)));
      this.directory.changed();
    }
    return this.info(meta);
  }

  /** The conversation as `access` may read it: business callers get its state, customers do not. */
  async get(access: Access): Promise<Result<{ conversation: ConversationInfo | BusinessConversationInfo; reads: Record<string, number> }>> {
    return toResult(() => {
      const meta = this.authorize(access);
      const conversation = access.kind === "business" ? businessInfo(meta, this.info(meta)) : this.info(meta);
      return { conversation, reads: this.reads.all() };
    });
  }

  async events(access: Access, query: EventsQuery): Promise<Result<EventsPage>> {
    return toResult(() => {
      this.authorize(access);
      const view = (page: { events: Event[]; hasMore: boolean }) => ({ ...page, events: page.events.map((e) => eventFor(access, e)) });
      if (query.before !== undefined) {
        const page = view(this.store.before(query.before, query.limit));
        return { ...page, cursor: page.events[0]?.seq ?? query.before };
      }
      const after = query.after ?? 0;
      const page = view(this.store.after(after, query.limit));
      // Past the end, the real end is the cursor (as the socket's `ready` says), never a seq that does not exist.
      return { ...page, cursor: page.events.at(-1)?.seq ?? Math.min(after, this.store.lastSeq()) };
    });
  }

  /** The same page as `events`, as the route's JSON text, built without parsing the stored events (event-pages.ts). */
  async eventsJson(access: Access, query: EventsQuery): Promise<Result<string>> {
    return toResult(() => {
      this.authorize(access);
      return eventsPageJson(this.ctx.storage.sql, access, query, () => this.store.lastSeq());
    });
  }

  async append(access: Access, input: SendInput): Promise<Result<AppendOutcome>> {
    await this.ensureTenant(access.tenant);
    const result = await toResult(() => this.commit(access, input, null));
    // Over HTTP the opt-out is applied before the answer (over a socket, right after).
    if (result.ok) await this.optOut(access, result.value);
    return result;
  }

  async markRead(access: Access, seq: number): Promise<Result<{ seq: number }>> {
    return toResult(() => this.moveRead(access, seq, null));
  }

  /**
   * Changes status, snooze, assignee or labels (PATCH): one conversation.updated
   * event naming every changed field, or none when nothing changes.
   */
  async update(access: Access, patch: StatePatch): Promise<Result<StateAnswer>> {
    await this.ensureTenant(access.tenant);
    return toResult(() => {
      const meta = this.authorizeBusiness(access);
      if (patch.snoozedUntil && Date.parse(patch.snoozedUntil) <= Date.now()) {
        throw new ServiceError("invalid_request", "snoozedUntil must be in the future", { errors: [{ path: "snoozedUntil", message: "in the past" }] });
      }
      const outcome = this.state.write(patched(stateOf(meta), patch), actorOf(access), {});
      return this.stateAnswer(outcome);
    });
  }

  /**
   * Passes the thread between the bot and agents (API.md "Handover"): a stale
   * `ifEpoch`, or taking another agent's thread without one, is a 409 naming
   * the owner; a no-op when nothing changes.
   */
  async handover(access: Access, input: HandoverInput): Promise<Result<StateAnswer>> {
    await this.ensureTenant(access.tenant);
    return toResult(() => {
      const state = stateOf(this.authorizeBusiness(access));
      const next = handedOver(state, input, access);
      if (!next) return this.stateAnswer(null);
      const sender = access.kind === "business" && access.agent ? actorOf(access) : handoverSender(next.owner, next.ownerAgent ?? undefined);
      const outcome = this.state.write(next, sender, {
        previousOwner: ownerRefOf(state),
        ...(input.reason ? { reason: input.reason } : {}),
        ...(input.metadata ? { metadata: input.metadata } : {}),
      });
      return this.stateAnswer(outcome);
    });
  }

  /** Writes an internal note (business only); business sockets get it as a `note` frame. */
  async addNote(access: Access, input: NoteInput): Promise<Result<{ note: Note; created: boolean }>> {
    return toResult(() => {
      this.authorizeBusiness(access);
      const sender = noteAuthor(access, input.sender);
      const outcome = this.notes.add(sender, input.clientId, input.text, this.store.lastSeq());
      if (outcome.created) this.noteCommitted(outcome.note);
      return outcome;
    });
  }

  /** Notes after the note `after` (all when null), oldest first; business only. */
  async listNotes(access: Access, after: string | null, limit: number): Promise<Result<{ notes: Note[]; cursor: string | null; hasMore: boolean }>> {
    return toResult(() => {
      this.authorizeBusiness(access);
      const page = this.notes.after(after, limit);
      return { ...page, cursor: page.notes.at(-1)?.id ?? after };
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
      this.state.touch({});
      this.committed(outcome, null);
      return outcome;
    });
  }

  /** Opens a live socket; the Worker has proven `access` (src/http/live.ts). */
  override async fetch(request: Request): Promise<Response> {
    const opening = liveOpeningOf(request);
    if (!opening) return new Response(null, { status: 400 });
    const allowed = await toResult(() => this.authorize(opening.access));
    if (!allowed.ok) return new Response(null, { status: 404 });
    await this.ensureTenant(opening.access.tenant);
    return new Response(null, { status: 101, webSocket: this.live.accept(opening.access, opening.after, opening.batch ?? false) });
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

  /**
   * Messenger channels: a message from the person's messenger identity,
   * appended as a customer message with `channel`, the thread (re)bound to
   * that identity. `deviceId` names the identity's read cursor.
   */
  async receiveFromChannel(input: {
    tenant: string;
    userId: string;
    deviceId: string;
    name?: string;
    channel: ChannelKind;
    recipient: string;
    at: number;
    clientId: string;
    content: Content;
  }): Promise<Result<AppendOutcome>> {
    const access = channelAccess(input);
    await this.ensureTenant(input.tenant);
    const result = await toResult(() => {
      this.authorize(access);
      this.channels.bind(input.channel, input.recipient, this.store.lastSeq(), input.at);
      return this.commit(access, { clientId: input.clientId, content: input.content, channel: input.channel }, null);
    });
    // A broadcast's "Stop" quick reply tapped in the messenger app opts out too.
    if (result.ok) await this.optOut(access, result.value);
    return result;
  }

  /** Messenger channels: binds the thread to a messenger identity (after a signed channel link), or rebinds it. */
  async bindChannel(input: { tenant: string; channel: ChannelKind; recipient: string; at: number }): Promise<Result<ChannelBinding>> {
    return toResult(() => {
      const meta = this.meta.get();
      if (!meta || meta.tenant !== input.tenant) throw new ServiceError("not_found", "conversation not found");
      return this.channels.bind(input.channel, input.recipient, this.store.lastSeq(), input.at);
    });
  }

  /** Messenger channels: who the thread belongs to and where it is bound, for the outbox and business handoffs. */
  async channelView(tenant: string): Promise<Result<{ userId: string; binding: ChannelBinding | null; lastSeq: number }>> {
    return toResult(() => {
      const meta = this.meta.get();
      if (!meta || meta.tenant !== tenant) throw new ServiceError("not_found", "conversation not found");
      return { userId: meta.userId, binding: this.channels.get(), lastSeq: this.store.lastSeq() };
    });
  }

  /** Messenger channels: this thread's channel deliveries, oldest first (404 for another tenant). */
  async channelDeliveries(tenant: string): Promise<Result<ChannelDelivery[]>> {
    return toResult(() => {
      if (this.meta.get()?.tenant !== tenant) throw new ServiceError("not_found", "conversation not found");
      return this.channelSends.list(this.outbox);
    });
  }

  /** Messenger channels: an operator's retry of the channel delivery of `seq` (404 when none is pending or failed). */
  async retryChannelDelivery(tenant: string, seq: number): Promise<Result<{ retried: true }>> {
    return toResult(() => {
      if (this.meta.get()?.tenant !== tenant) throw new ServiceError("not_found", "conversation not found");
      this.channelSends.retry(this.outbox, seq);
      return { retried: true as const };
    });
  }

  /** Messenger channels: platform receipts; returns the highest seq they cover (0 if none). */
  async channelReceipt(input: { status: "delivered" | "read" | "failed"; mids: string[]; watermark?: number; error?: string }): Promise<number> {
    return this.channelSends.receipt(input.status, input.mids, input.watermark, new Date(), input.error);
  }

  /** Messenger channels: redeems a one-time channel-link ref for this thread (see link-ref.ts). */
  async claimChannelRef(id: string, channel: ChannelKind, recipient: string): Promise<boolean> {
    return this.channelSends.claimRef(id, channel, recipient);
  }

  /** Closes every live socket of a signed-out device with 4008 (called on sign-out). */
  async disconnectDevice(deviceId: string): Promise<void> {
    this.live.disconnectDevice(deviceId);
  }

  /** The tenant's webhook endpoints changed (pushed by its TenantOutbox before the change is answered). */
  async endpointsChanged(): Promise<void> {
    this.sinkInterest.invalidate();
    const meta = this.meta.get();
    if (meta) forgetEndpoints(meta.tenant);
  }

  /** Makes one outbox delivery due now; false when this thread has no such delivery. */
  async retryDelivery(id: string): Promise<boolean> {
    return this.outbox.retry(id);
  }

  /** Sends again every failed delivery of `sink` created since `since` (ms); returns how many. */
  async recoverDeliveries(sink: string, since: number): Promise<number> {
    return this.outbox.recover(sink, since);
  }

  /** Reserves `id` for an upload into this thread by someone who may write here (else 404). */
  async reserveAttachment(access: Access, id: string): Promise<Result<{ conversationId: string }>> {
    return toResult(async () => {
      const meta = this.authorize(access);
      const uploader = access.kind === "customer" ? { role: "customer", id: access.userId } : { role: access.role, id: access.keyId };
      await this.files.reserve(id, uploader);
      return { conversationId: meta.id };
    });
  }

  /** Records a finished upload (reserved by reserveAttachment). */
  async completeAttachment(access: Access, record: Attachment): Promise<Result<Attachment>> {
    return toResult(() => {
      this.authorize(access);
      this.files.complete(record);
      return record;
    });
  }

  /** Forgets a reservation whose upload failed (its R2 object is the Worker's to delete). */
  async discardAttachment(id: string): Promise<void> {
    this.files.discard(id);
  }

  /** An attachment of this thread for someone who may read it; 404 for anyone else or an unknown id. */
  async attachment(access: Access, id: string): Promise<Result<Attachment>> {
    return toResult(() => {
      this.authorize(access);
      const attachment = this.files.read(id);
      if (!attachment) throw new ServiceError("not_found", "attachment not found");
      return attachment;
    });
  }

  /** Erasure: deletes every file the thread's customer uploaded, from R2 and the records. */
  async eraseCustomerFiles(): Promise<number> {
    const meta = this.meta.get();
    return meta ? this.files.eraseCustomerFiles(meta.tenant, meta.id) : 0;
  }

  /** Closes every live socket of a signed-out agent session with 4008. */
  async disconnectAgentSession(sessionId: string): Promise<void> {
    this.live.disconnectAgentSession(sessionId);
  }

  /**
   * Runs the timers that are due, also while no request runs: a snooze that
   * ends, an idle agent's thread returning to the bot, a summary push to retry,
   * the sweep of never-sent attachments; and drains the webhook outbox.
   */
  override async alarm(): Promise<void> {
    const meta = this.meta.get();
    if (!meta) return;
    await this.ensureTenant(meta.tenant);
    for (const kind of this.timers.takeDue()) {
      switch (kind) {
        case "summary":
          this.summaryChanged(meta);
          break;
        case "snooze":
          this.state.endSnooze();
          break;
        case "idle-return":
          this.state.returnIdleThread();
          break;
        case "directory":
          this.directory.changed();
          break;
        case "files":
          await this.files.sweep(meta.tenant, meta.id);
          break;
      }
    }
    // Always: a drain cut short by an eviction left its deliveries due, and this re-arms them.
    await this.outbox.drainAndArm();
    this.timers.arm();
    await Promise.all([this.summaryPush, this.directory.settled()]);
  }

  /** Loads the tenant's settings on first use, then refreshes them in the background once a minute. */
  private async ensureTenant(tenant: string): Promise<void> {
    if (Date.now() - this.tenantLoadedAt < TENANT_REFRESH_MS) return;
    const loading = this.loadTenant(tenant);
    if (this.tenantLoadedAt === 0) await loading;
  }

  private async loadTenant(tenant: string): Promise<void> {
    this.tenantLoadedAt = Date.now();
    try {
      const found = await findTenant(this.env.DB, tenant);
      this.deviceSendLimit = limitsOf(this.env, found?.rateLimits).sendsPerDevice;
      this.idleReturnMinutes = idleReturnMinutesOf(found?.settings);
    } catch (err) {
      console.error("loading the tenant's settings failed; the defaults apply", err);
    }
  }

  /**
   * After every committed event: live fan-out, then the customer's thread list.
   * The one place a new sink of events (such as a webhook outbox) hooks in.
   */
  private committed(outcome: AppendOutcome, from: WebSocket | null): void {
    this.live.publish(outcome, from);
    if (!outcome.created) return;
    // The owner's thread list pulls its summary (threadSummary) when read: no push per event.
    this.directory.changed();
  }

  /** After a note is written: business sockets. The place a note sink (webhooks) hooks in. */
  private noteCommitted(note: Note): void {
    const meta = this.meta.get();
    if (meta) this.outbox.enqueue(noteCreated(note, meta.owner));
    this.live.note(note);
  }

  private stateAnswer(outcome: AppendOutcome | null): StateAnswer {
    const meta = this.meta.get()!;
    return { conversation: businessInfo(meta, this.info(meta)), event: outcome?.event ?? null };
  }

  /** The one append path: HTTP and live `send` frames. Persist, then broadcast. */
  private commit(access: Access, input: SendInput, from: WebSocket | null): AppendOutcome {
    const meta = this.authorize(access);
    if (access.kind === "customer") {
      const limit = this.deviceSendLimit === undefined ? limitsOf(this.env, undefined).sendsPerDevice : this.deviceSendLimit;
      this.deviceSends.take(`${access.userId}:${access.deviceId}`, limit);
    }
    const sender = messageSender(access, input.sender);
    // A channel message is whatever the platform carried (media by the platform's URL included).
    const refused = input.channel ? null : contentNotAllowed(sender.role, input.content);
    if (refused) throw new ServiceError("invalid_request", refused.message, { errors: [refused] });
    const attachment = this.files.forMessage(input.content);
    const state = stateOf(meta);
    // A broadcast reaches every subscriber, whoever owns their thread.
    if (!input.broadcastId) assertBotMaySend(state, sender);
    const outcome = this.store.append({
      type: "message.created",
      sender,
      clientId: input.clientId,
      content: input.content,
      ...(attachment ? { attachment } : {}),
      ...(input.broadcastId ? { broadcastId: input.broadcastId } : {}),
      ...(input.channel ? { channel: input.channel } : {}),
    });
    if (!outcome.created) {
      this.live.publish(outcome, from);
      return outcome;
    }
    if (attachment) this.files.markSent(attachment.id, outcome.event.seq);
    if (access.kind === "customer") {
      // Writing in a thread means having read it up to one's own message.
      const before = this.reads.ofUser(access.userId);
      this.reads.mark(access.deviceId, access.userId, outcome.event.seq);
      void reportBroadcastReads(this.ctx.storage.sql, this.env.DB, access.userId, before, outcome.event.seq);
    }
    this.state.messageWritten(access, sender, outcome.event.at);
    this.committed(outcome, from);
    this.state.afterMessage(state, sender);
    return outcome;
  }

  /** A customer's `carryover:unsubscribe:<topic>` postback (the broadcast "Stop" reply) opts them out. */
  private async optOut(access: Access, outcome: AppendOutcome): Promise<void> {
    const { event } = outcome;
    if (!outcome.created || access.kind !== "customer" || event.type !== "message.created") return;
    if (event.content.type !== "postback" || unsubscribeTopicOf(event.content.payload) === null) return;
    await applyUnsubscribePostback(this.env.DB, access.tenant, access.userId, event.content.payload);
  }

  private moveRead(access: Access, seq: number, from: WebSocket | null): { seq: number } {
    const meta = this.authorize(access);
    if (access.kind !== "customer") throw new ServiceError("forbidden", "only customer devices keep read cursors");
    const before = this.reads.ofUser(access.userId);
    const cursor = this.reads.mark(access.deviceId, access.userId, Math.min(seq, this.store.lastSeq()));
    if (cursor.moved) {
      void reportBroadcastReads(this.ctx.storage.sql, this.env.DB, access.userId, before, cursor.seq);
      this.outbox.enqueue(readMoved(meta, { userId: access.userId, deviceId: access.deviceId, seq: cursor.seq }));
      this.live.readMoved(access.userId, access.deviceId, cursor.seq, from);
    }
    return { seq: cursor.seq };
  }

  private onFrame(ws: WebSocket, access: Access, frame: Exclude<ClientFrame, { type: "ping" }>): void {
    switch (frame.type) {
      case "send": {
        messageSender(access, frame.sender);
        void this.ensureTenant(access.tenant);
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
        this.live.typing(ws, frame);
        return;
    }
  }

  /** The meta for a business caller; customers get 403 (the Worker refuses them first). */
  private authorizeBusiness(access: Access): ConversationMeta {
    const meta = this.authorize(access);
    if (access.kind !== "business") throw new ServiceError("forbidden", "this is for business callers");
    return meta;
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
      status: stateOf(meta).status,
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
      status: stateOf(meta).status,
      lastSeq: last?.seq ?? 0,
      readSeq,
      unread: this.store.unreadAfter(readSeq),
      // The list is read with customer credentials: business-only parts stay out.
      lastEvent: last ? eventForCustomer(last) : null,
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
          const customer = customerStub(this.env, current.tenant, current.userId);
          await customer.recordThread(this.summary(current));
        }
      } catch (err) {
        console.error("thread summary push failed; retrying by alarm", err);
        this.timers.setEarliest("summary", Date.now() + 2_000);
      } finally {
        this.summaryPush = null;
      }
    })();
  }

  /**
   * What the owner's conversation list shows for this thread, computed now
   * (exact unread count); null when it is not `userId`'s thread of `tenant`.
   * The Customer DO asks its threads when the list is read.
   */
  async threadSummary(tenant: string, userId: string): Promise<ThreadSummary | null> {
    const meta = this.meta.get();
    if (!meta || meta.tenant !== tenant || meta.userId !== userId) return null;
    return this.summary(meta);
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
      const next = this.state.touch({ userId: toUserId });
      this.summaryChanged(next);
      this.directory.changed();
      return this.summary(next);
    });
  }
}

/** The customer access of a messenger identity writing in its person's thread. */
function channelAccess(input: { tenant: string; userId: string; deviceId: string; name?: string }): CustomerAccess {
  const access: CustomerAccess = {
    kind: "customer",
    tenant: input.tenant,
    userId: input.userId,
    deviceId: input.deviceId,
    sessionId: "channel",
    guest: isGuestId(input.userId),
  };
  if (input.name) access.name = input.name;
  return access;
}
