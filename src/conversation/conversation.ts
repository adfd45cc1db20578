// The Conversation Durable Object: the single source of truth for one thread.
// Each method delegates to a module (event store, writes, state, live
// connections, …); every write is committed to SQLite before it is answered
// or broadcast. Methods in order: Worker-facing RPC, internal DO-to-DO calls,
// runtime hooks, private helpers.
import { authorizeWith, businessMeta, channelAccess, type Authorize } from "./authorize";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { CloseCode } from "../protocol/wire";
import type { Access } from "../protocol/access";
import type { BusinessConversationInfo, ConversationInfo } from "../protocol/event";
import type { Note } from "../protocol/note";
import { toResult, type Result } from "../protocol/result";
import type { ThreadSummary } from "../protocol/thread";
import type { Outbox } from "../outbox/outbox";
import { Connections } from "./connections";
import { liveOpeningOf } from "../protocol/socket-opening";
import { conversationCreated, conversationOutbox, enqueueEvent } from "./outbox-entries";
import type { SinkInterest } from "./sink-interest";
import { forgetEndpoints } from "../webhooks/endpoints";
import { EventStore, type AppendOutcome, type EventsPage, type EventsQuery } from "./event-store";
import { eventsPageJson, type PageQuery } from "./event-pages";
import type { HandoverInput } from "./handover";
import { MetaStore, newMeta, type ConversationMeta } from "./meta";
import { NotesStore } from "./notes";
import { ReadCursors } from "./reads";
import { migrate } from "./schema";
import { ConversationFiles } from "../attachments/conversation-files";
import type { Attachment } from "../protocol/attachment";
import { businessInfo, conversationInfo, eventFor, type StatePatch } from "./state";
import { DirectorySync } from "./directory-sync";
import { RevokedSessions, type RevokedSession } from "./revoked-sessions";
import type { RevocationNotice } from "../customer/revocation-push";
import { shardName } from "../inbox-feed/names";
import type { InboxFeed } from "../inbox-feed/feed";
import { StateWriter } from "./state-writer";
import { TenantCache } from "./tenant-cache";
import { ThreadFiles } from "./thread-files";
import { ChannelThread } from "./channel-thread";
import { personIdOf } from "../channels/inbound";
import { Writes } from "./writes";
import type { ChannelMessageInput, InitInput, NoteInput, SendInput, StateAnswer } from "./rpc-types";
import { SummaryPush, threadSummaryOf } from "./thread-summary";
import { Timers } from "./timers";
import { ChannelBindings, type ChannelBinding } from "../channels/binding";
import { ChannelSends, type ChannelDeliveryPage, type ChannelDeliveryQuery } from "../channels/channel-sends";
import type { ChannelKind } from "../channels/settings";

export class Conversation extends DurableObject<Env> {
  private readonly store: EventStore;
  private readonly reads: ReadCursors;
  private readonly meta: MetaStore;
  private readonly live: Connections;
  private readonly files: ConversationFiles;
  /** The attachment RPCs: who may upload and read this thread's files. */
  private readonly threadFiles: ThreadFiles;
  /** Webhook and channel deliveries of this thread, drained by the alarm. */
  private readonly outbox: Outbox;
  /** Whether a webhook endpoint takes an entry type: no outbox row, no alarm for tenants without one. */
  private readonly sinkInterest: SinkInterest;
  private readonly notes: NotesStore;
  private readonly timers: Timers;
  private readonly directory: DirectorySync;
  private readonly state: StateWriter;
  private readonly channels: ChannelBindings;
  /** The owner's signed-out sessions, pushed by their Customer DO: refused here, no round trip per request. */
  private readonly revoked: RevokedSessions;
  /** The one authorization of every caller: revocation, then whose thread it is. */
  private readonly authorize: Authorize;
  /** Parts, platform ids and receipts of channel deliveries; redeemed channel-link refs. */
  private readonly channelSends: ChannelSends;
  /** The channel RPCs that name their tenant: binding, view, deliveries. */
  private readonly channelThread: ChannelThread;
  /** Messages, read cursors and payment updates: persist, then fan out. */
  private readonly writes: Writes;
  /** The owner's thread list, told when the thread changes hands. */
  private readonly summaries: SummaryPush;
  private shardStub: DurableObjectStub<InboxFeed> | undefined;
  /** The tenant's send limit per device and idle return, read from D1. */
  private readonly tenantCache = new TenantCache(this.env);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    migrate(sql);
    this.channelSends = new ChannelSends(sql);
    const wake = (at: number) => this.timers.setEarliest("outbox", at);
    const wired = conversationOutbox(ctx.storage, env, { meta: () => this.meta.get(), binding: () => this.channels.get(), sends: this.channelSends, wake });
    this.outbox = wired.outbox;
    this.sinkInterest = wired.sinkInterest;
    this.store = new EventStore(sql, (event) => {
      enqueueEvent(this.outbox, event, this.meta.get(), () => this.channels.get());
      this.directory.appended(event);
    });
    this.reads = new ReadCursors(sql, () => this.store.lastSeq());
    this.meta = new MetaStore(sql, () => this.store.lastSeq());
    this.revoked = new RevokedSessions(sql);
    this.authorize = authorizeWith(this.meta, this.revoked);
    this.live = new Connections(ctx, this.store);
    this.files = new ConversationFiles(sql, (at) => this.timers.setEarliest("files", at), env.ATTACHMENTS);
    this.threadFiles = new ThreadFiles(this.meta, this.files, this.authorize);
    this.notes = new NotesStore(sql);
    this.timers = new Timers(sql, ctx.storage);
    const idleReturnMinutes = () => this.tenantCache.idleReturnMinutes;
    this.state = new StateWriter({ meta: this.meta, store: this.store, timers: this.timers, idleReturnMinutes, committed: (o) => this.writes.committed(o, null) });
    this.directory = new DirectorySync(sql, this.store, this.timers, () => this.meta.get(), (write) =>
      this.shard(write.entry)
        .record(write)
        .catch((err: unknown) => {
          // A stub that threw may stay broken (the shard was reset): the next push makes a new one.
          this.shardStub = undefined;
          throw err;
        }),
      () => this.channels.channel(),
    );
    this.channels = new ChannelBindings(sql);
    this.channelThread = new ChannelThread({ meta: this.meta, store: this.store, bindings: this.channels, sends: this.channelSends, outbox: this.outbox });
    const { meta, store, reads, files, notes, live, outbox, state, tenantCache, directory, channels, authorize } = this;
    this.writes = new Writes({ env, sql, meta, store, reads, files, notes, live, outbox, state, tenantCache, directory, bindings: channels, authorize });
    this.summaries = new SummaryPush({ env, timers: this.timers, meta: () => this.meta.get(), summary: (meta) => this.summary(meta) });
  }

  // Worker-facing RPC: the routes (src/http, src/channels/routes.ts) call these with the access the Worker proved
  // (a few also come from a DO on a request's behalf: a broadcast's append, inbound channel media, channelView).
  /** The conversation as `access` may read it: business callers get its state, customers do not. */
  async get(access: Access): Promise<Result<{ conversation: ConversationInfo | BusinessConversationInfo; reads: Record<string, number> }>> {
    return toResult(() => {
      const meta = this.authorize(access);
      const conversation = access.kind === "business" ? businessInfo(meta, this.info(meta), this.channels.channel()) : this.info(meta);
      return { conversation, reads: this.reads.all() };
    });
  }

  async events(access: Access, query: EventsQuery): Promise<Result<EventsPage>> {
    return toResult(() => {
      this.authorize(access);
      const page = this.store.page(query);
      return { ...page, events: page.events.map((e) => eventFor(access, e)) };
    });
  }

  /** The same page as `events`, as the route's JSON text, built without parsing the stored events (event-pages.ts). */
  async eventsJson(access: Access, query: PageQuery): Promise<Result<string>> {
    return toResult(() => {
      this.authorize(access);
      return eventsPageJson(this.ctx.storage.sql, access, query, () => this.store.lastSeq());
    });
  }

  async append(access: Access, input: SendInput): Promise<Result<AppendOutcome>> {
    await this.tenantCache.ensure(access.tenant);
    const result = await toResult(() => this.writes.commit(access, input, null));
    // Over HTTP the opt-out is applied before the answer (over a socket, right after).
    if (result.ok) await this.writes.optOut(access, result.value);
    return result;
  }

  /**
   * `append` for the HTTP route: the answer's body (`{"event":…}`) as JSON text
   * the route sends as it is — a string crosses the RPC boundary cheaper than
   * the event object, which the route would only stringify.
   */
  async appendJson(access: Access, input: SendInput): Promise<Result<{ created: boolean; json: string }>> {
    const result = await this.append(access, input);
    if (!result.ok) return result;
    return { ok: true, value: { created: result.value.created, json: JSON.stringify({ event: result.value.event }) } };
  }

  async markRead(access: Access, seq: number): Promise<Result<{ seq: number }>> {
    return toResult(() => this.writes.moveRead(access, seq, null));
  }

  /**
   * Changes status, snooze, assignee or labels (PATCH): one conversation.updated
   * event naming every changed field, or none when nothing changes.
   */
  async update(access: Access, patch: StatePatch): Promise<Result<StateAnswer>> {
    await this.tenantCache.ensure(access.tenant);
    return toResult(() => this.stateAnswer(this.state.applyPatch(businessMeta(this.meta.get(), access), patch, access)));
  }

  /**
   * Passes the thread between the bot and agents (API.md "Handover"): a stale
   * `ifEpoch`, or taking another agent's thread without one, is a 409 naming
   * the owner; a no-op when nothing changes.
   */
  async handover(access: Access, input: HandoverInput): Promise<Result<StateAnswer>> {
    await this.tenantCache.ensure(access.tenant);
    return toResult(() => this.stateAnswer(this.state.handOver(businessMeta(this.meta.get(), access), input, access)));
  }

  /** Writes an internal note (business only); business sockets get it as a `note` frame. */
  async addNote(access: Access, input: NoteInput): Promise<Result<{ note: Note; created: boolean }>> {
    return toResult(() => this.writes.addNote(access, input));
  }

  /** Notes after the note `after` (all when null), oldest first; business only. */
  async listNotes(access: Access, after: string | null, limit: number): Promise<Result<{ notes: Note[]; cursor: string | null; hasMore: boolean }>> {
    return toResult(() => {
      businessMeta(this.meta.get(), access);
      return this.notes.page(after, limit);
    });
  }

  /** Records a payment request's new status (paid or cancelled) as a payment.updated event. */
  async updatePayment(access: Access, requestId: string, status: PaymentStatus): Promise<Result<AppendOutcome>> {
    return toResult(() => this.writes.updatePayment(access, requestId, status));
  }

  /** Reserves `id` for an upload into this thread by someone who may write here (else 404). */
  async reserveAttachment(access: Access, id: string): Promise<Result<{ conversationId: string }>> {
    return toResult(() => this.threadFiles.reserve(access, id));
  }

  /** Records a finished upload (reserved by reserveAttachment). */
  async completeAttachment(access: Access, record: Attachment): Promise<Result<Attachment>> {
    return toResult(() => this.threadFiles.complete(access, record));
  }

  /** Forgets a reservation whose upload failed (its R2 object is the Worker's to delete). */
  async discardAttachment(id: string): Promise<void> {
    this.files.discard(id);
  }

  /** An attachment of this thread for someone who may read it; 404 for anyone else or an unknown id. */
  async attachment(access: Access, id: string): Promise<Result<Attachment>> {
    return toResult(() => this.threadFiles.read(access, id));
  }

  /** Erasure: deletes every file the thread's customer uploaded, from R2 and the records. */
  async eraseCustomerFiles(): Promise<number> {
    return this.threadFiles.eraseCustomerFiles();
  }

  /** Messenger channels: who the thread belongs to and where it is bound, for the outbox and business handoffs. */
  async channelView(tenant: string): Promise<Result<{ userId: string; binding: ChannelBinding | null; lastSeq: number }>> {
    return toResult(() => this.channelThread.view(tenant));
  }

  /** Messenger channels: a page of this thread's channel deliveries, oldest first (404 for another tenant). */
  async channelDeliveries(tenant: string, query: ChannelDeliveryQuery): Promise<Result<ChannelDeliveryPage>> {
    return toResult(() => this.channelThread.deliveries(tenant, query));
  }

  /** Messenger channels: an operator's retry of the channel delivery of `seq` (404 when none is pending or failed). */
  async retryChannelDelivery(tenant: string, seq: number): Promise<Result<{ retried: true }>> {
    return toResult(() => this.channelThread.retry(tenant, seq));
  }

  /** Makes one outbox delivery due now; false when this thread has no such delivery. */
  async retryDelivery(id: string): Promise<boolean> {
    return this.outbox.retry(id);
  }

  /** Sends again every failed delivery of `sink` created since `since` (ms); returns how many. */
  async recoverDeliveries(sink: string, since: number): Promise<number> {
    return this.outbox.recover(sink, since);
  }

  // Internal DO-to-DO calls: only other Durable Objects call these (Customer, Agent, TenantOutbox, ChannelInbox), never a route.
  /** Creates the conversation for its owner; a no-op when it exists. */
  async init(input: InitInput): Promise<ConversationInfo> {
    if (input.revoked) this.revoked.add(input.revoked);
    let meta = this.meta.get();
    if (!meta) {
      meta = newMeta(input);
      this.meta.put(meta);
      this.outbox.enqueue(conversationCreated(meta, this.info(meta)));
      this.directory.changed();
    }
    return this.info(meta);
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
   * belongs to the identified person, whose list gets it, and is named as
   * they are (`customerName`, from their identity token), so the directory
   * shows and finds it by that name at once. Idempotent, so an interrupted
   * merge can be finished.
   */
  async reassignOwner(fromUserId: string, toUserId: string, revoked: RevokedSession[] = [], customerName?: string): Promise<Result<ThreadSummary>> {
    return toResult(() => {
      this.revoked.add(revoked);
      const meta = this.meta.get();
      if (!meta || (meta.userId !== fromUserId && meta.userId !== toUserId)) {
        throw new ServiceError("not_found", "conversation not found");
      }
      this.reads.reassign(fromUserId, toUserId);
      const next = this.state.touch(customerName ? { userId: toUserId, customerName } : { userId: toUserId });
      this.summaries.changed(next);
      this.directory.changed();
      return this.summary(next);
    });
  }

  /**
   * The owner's Customer DO, before it answers a sign-out: these sessions are
   * refused from now on (401 token_revoked), these devices' sockets close (4008).
   */
  async revokeSessions(notice: RevocationNotice): Promise<void> {
    this.revoked.add(notice.revoked);
    for (const deviceId of notice.deviceIds) this.live.disconnectDevice(deviceId);
  }

  /** Closes every live socket of a signed-out agent session with 4008. */
  async disconnectAgentSession(sessionId: string): Promise<void> {
    this.live.disconnectAgentSession(sessionId);
  }

  /** The tenant's webhook endpoints changed (pushed by its TenantOutbox before the change is answered). */
  async endpointsChanged(): Promise<void> {
    this.sinkInterest.invalidate();
    const meta = this.meta.get();
    if (meta) forgetEndpoints(meta.tenant);
  }

  /**
   * Messenger channels: a message from the person's messenger identity,
   * appended as a customer message with `channel`, the thread (re)bound to
   * that identity. `deviceId` names the identity's read cursor.
   */
  async receiveFromChannel(input: ChannelMessageInput): Promise<Result<AppendOutcome>> {
    const access = channelAccess(input);
    await this.tenantCache.ensure(input.tenant);
    const result = await toResult(() => this.writes.fromChannel(access, input));
    // A broadcast's "Stop" quick reply tapped in the messenger app opts out too.
    if (result.ok) await this.writes.optOut(access, result.value);
    return result;
  }

  /** Messenger channels: binds the thread to a messenger identity (after a signed channel link), or rebinds it. */
  async bindChannel(input: { tenant: string; channel: ChannelKind; recipient: string; at: number }): Promise<Result<ChannelBinding>> {
    return toResult(() => {
      const before = this.channels.get();
      const binding = this.channelThread.bind(input);
      // A new binding shows in the directory row (customer.channels) before the person writes.
      if (before?.channel !== binding.channel || before.recipient !== binding.recipient) this.bindingChanged();
      return binding;
    });
  }

  /**
   * Messenger channels: the identity bound here moved to the thread `movedTo`
   * (a channel link): business messages here no longer go to them, and the
   * directory row stops naming the channel. Their own thread (its person is
   * the identity's) reaches nobody there any more, so it is also resolved:
   * one conversation.updated, `reason: "channel_moved"`, `metadata: { movedTo }`
   * (business only). Idempotent.
   */
  async unbindChannel(input: { tenant: string; channel: ChannelKind; recipient: string; movedTo: string }): Promise<Result<void>> {
    return toResult(() => {
      if (!this.channelThread.unbind(input)) return;
      this.bindingChanged();
      if (this.meta.get()?.userId === personIdOf(input.channel, input.recipient)) this.state.resolveMoved(input.movedTo);
    });
  }

  /** The thread's binding changed: its directory row (customer.channels) shows it. */
  private bindingChanged(): void {
    this.state.touch({});
    this.directory.changed();
  }

  /** Messenger channels: platform receipts; returns the highest seq they cover (0 if none). */
  async channelReceipt(input: { status: "delivered" | "read" | "failed"; mids: string[]; watermark?: number; error?: string }): Promise<number> {
    return this.channelSends.receipt(input.status, input.mids, input.watermark, new Date(), input.error);
  }

  /** Messenger channels: redeems a one-time channel-link ref for this thread (see link-ref.ts). */
  async claimChannelRef(id: string, channel: ChannelKind, recipient: string): Promise<boolean> {
    return this.channelSends.claimRef(id, channel, recipient);
  }

  // Runtime hooks: the live socket the Worker hands over (fetch), its frames, the alarm.
  /** Opens a live socket; the Worker has proven `access` (src/http/live.ts). */
  override async fetch(request: Request): Promise<Response> {
    const opening = liveOpeningOf(request);
    if (!opening) return new Response(null, { status: 400 });
    const allowed = await toResult(() => this.authorize(opening.access));
    if (!allowed.ok) return new Response(null, { status: allowed.error.code === "token_revoked" ? 401 : 404 });
    await this.tenantCache.ensure(opening.access.tenant);
    return new Response(null, { status: 101, webSocket: this.live.accept(opening.access, opening.after, opening.batch ?? false) });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const received = this.live.receive(ws, message);
    if (!received) return;
    const { access, frame } = received;
    try {
      this.writes.onFrame(ws, access, frame);
    } catch (err) {
      if (err instanceof ServiceError) return this.live.refuse(ws, err, frame.type === "send" ? frame.clientId : undefined);
      console.error("live frame failed", err);
      this.live.close(ws, CloseCode.internal, "internal");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
    this.live.closed(ws, code, reason, wasClean);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.live.closed(ws, CloseCode.internal, "internal");
  }

  /**
   * Runs the timers that are due, also while no request runs: a snooze that
   * ends, an idle agent's thread returning to the bot, a summary push to retry,
   * the sweep of never-sent attachments; and drains the webhook outbox.
   */
  override async alarm(): Promise<void> {
    const meta = this.meta.get();
    if (!meta) return;
    await this.tenantCache.ensure(meta.tenant);
    await this.timers.runDue({
      summary: () => this.summaries.changed(meta),
      snooze: () => this.state.endSnooze(),
      "idle-return": () => this.state.returnIdleThread(),
      directory: () => this.directory.backstop(),
      files: () => this.files.sweep(meta.tenant, meta.id),
    });
    // Always: a drain cut short by an eviction left its deliveries due, and this re-arms them.
    await this.outbox.drainAndArm();
    this.timers.arm();
    await Promise.all([this.summaries.settled(), this.directory.settled()]);
  }

  // Private helpers.
  /** The thread's InboxFeed shard (the stub kept: a busy thread pushes to it every second). */
  private shard(entry: { tenant: string; id: string }): DurableObjectStub<InboxFeed> {
    this.shardStub ??= this.env.INBOX.getByName(shardName(entry.tenant, entry.id));
    return this.shardStub;
  }

  private stateAnswer(outcome: AppendOutcome | null): StateAnswer {
    const meta = this.meta.get()!;
    return { conversation: businessInfo(meta, this.info(meta), this.channels.channel()), event: outcome?.event ?? null };
  }

  private info(meta: ConversationMeta): ConversationInfo {
    return conversationInfo(meta, this.store.lastSeq());
  }

  private summary(meta: ConversationMeta): ThreadSummary {
    return threadSummaryOf(meta, this.store, this.reads);
  }
}
