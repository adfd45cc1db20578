// A handle on one conversation: the timeline (history window + pending
// messages), live updates, the durable outbox and its delivery, read cursors,
// typing and unread. Delivery: over the socket when live, else HTTP; retried
// with backoff until the server acknowledges; refused messages are kept as failed.
import type { Content } from "../protocol/content";
import type { ConversationStatus, Event, Owner, Sender } from "../protocol/event";
import { CloseCode, isEvent, TYPING_RESEND_MS, type ServerFrame } from "../protocol/wire";
import { Backoff, type BackoffOptions } from "./backoff";
import { CarryoverError, CODE_STATUS, isRefreshable, isSignedOut, isTransient } from "./errors";
import { Emitter } from "./events";
import { isRecord } from "./http";
import { Live, type LiveState } from "./live";
import { newClientId, Outbox, type OutboxEntry } from "./outbox";
import type { CarryoverUser, Session } from "./session";
import { Timeline, type TimelineItem } from "./timeline";
import { fileInfo, mediaTypeOfFile, uploadFile, type FileInput, type UploadProgress, type UploadTransport } from "./upload";

export interface ConversationHandle {
  readonly id: string;
  readonly items: readonly TimelineItem[];
  readonly lastSeq: number;
  readonly connection: LiveState;
  readonly unread: number;
  readonly status: ConversationStatus;
  readonly owner: Owner;
  /** Appends locally at once as pending, stores it in the durable outbox, delivers until acknowledged. */
  send(content: Content): TimelineItem;
  /** Delivers a failed message again; a file whose upload was lost in a reload needs the file again. */
  retry(clientId: string, file?: FileInput): void;
  /**
   * Uploads a file (a File/Blob, or React Native's `{ uri, name, type }`) and
   * then sends it as a media message, shown pending at once with upload
   * progress ("upload" events, `pending.upload.loaded`). Throws
   * unsupported_media_type for a type the API does not take, and
   * payload_too_large (413) before any upload when `maxBytes` (the upload
   * limit, when the caller knows it; API default 25 MiB) is given and passed.
   */
  sendFile(file: FileInput, options?: { caption?: string; maxBytes?: number }): TimelineItem;
  /** Cancels a message not sent yet (an upload in progress, or a failed message); false when it already went. */
  cancel(clientId: string): boolean;
  /** A short-lived signed URL for an attachment (for an image source or a download link). */
  attachmentUrl(attachmentId: string): Promise<string>;
  /** Whether history older than the first item exists on the server. */
  readonly hasOlder: boolean;
  /** Loads older history (before the first seq held); returns false when there is none. */
  loadOlder(limit?: number): Promise<boolean>;
  markRead(seq?: number): void;
  typing(on: boolean): void;
  /** Reconnects now instead of waiting for the next backoff step (app resumed, network back). */
  reconnect(): void;
  /**
   * Live updates from another source instead of this handle's own socket
   * (another tab's socket, relayed): the socket closes and `event`, `read`
   * and `typing` frames come from `source`; sends go over HTTP. `null` opens
   * this handle's own socket again.
   */
  follow(source: LiveSource | null): void;
  on(event: "change", fn: () => void): () => void;
  on(event: "event", fn: (e: Event) => void): () => void;
  on(event: "read", fn: (r: { userId: string; deviceId: string; seq: number }) => void): () => void;
  on(event: "typing", fn: (t: { sender: Sender; state: "on" | "off" }) => void): () => void;
  on(event: "upload", fn: (p: UploadProgress) => void): () => void;
  close(): void;
}

/** Server frames (`event`, `read`, `typing`) relayed from elsewhere, e.g. another tab's socket. */
export interface LiveSource {
  subscribe(onFrame: (frame: ServerFrame) => void): () => void;
}

interface HandleEvents {
  change: undefined;
  upload: UploadProgress;
  event: Event;
  read: { userId: string; deviceId: string; seq: number };
  typing: { sender: Sender; state: "on" | "off" };
}

export interface HandleDeps {
  id: string;
  session: Session;
  outbox: Outbox;
  liveUrl: (id: string, after: number) => string;
  WebSocket: typeof WebSocket | undefined;
  backoff: BackoffOptions;
  pageSize: number;
  /** How long to wait for a socket ack before trying again, ms. */
  ackTimeout: number;
  /** How long a socket may take from connect to ready, ms. */
  connectTimeout: number;
  onError: (err: CarryoverError) => void;
  onClosed: (handle: Conversation) => void;
  /** The client's session announcements (to follow sign-out and login). */
  onSession: (fn: (user: CarryoverUser | null) => void) => () => void;
  /** Where and how files are uploaded (sendFile). */
  upload: UploadTransport;
  /** Opens no socket until follow() decides where live updates come from. */
  deferLive?: boolean;
}

interface Waiter {
  resolve: (ack: { seq: number; event?: Event }) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

const LATEST = Number.MAX_SAFE_INTEGER;

function asCarryoverError(err: unknown): CarryoverError {
  if (err instanceof CarryoverError) return err;
  return new CarryoverError("internal", 0, err instanceof Error ? err.message : String(err), { cause: err });
}

export class Conversation implements ConversationHandle {
  readonly id: string;
  private readonly timeline = new Timeline();
  private readonly emitter = new Emitter<HandleEvents>();
  private readonly live: Live | null;
  private readonly retryBackoff: Backoff;
  private readonly waiters = new Map<string, Waiter>();
  private readonly unsubscribe: () => void;
  private releaseSession: (() => void) | null = null;
  private statusValue: ConversationStatus = "open";
  private ownerValue: Owner = "bot";
  private readSeq = 0;
  private readSent = 0;
  private readInFlight = false;
  private typingState: "on" | "off" = "off";
  private typingSentAt = 0;
  private connectionValue: LiveState = "connecting";
  private seeding: Promise<void> | null = null;
  private catching: Promise<void> | null = null;
  private catchAgain = false;
  private flushing = false;
  private flushAgain = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closedFlag = false;
  /** Set while live updates come from another source (follow()). */
  private unfollow: (() => void) | null = null;
  /** No socket yet: the owner will call follow() (deps.deferLive). */
  private liveDeferred = false;
  private userId: string | null;
  /** The highest seq the server said exists (acks, ready cursors). */
  private knownSeq = 0;
  private catchUpTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly catchUpBackoff: Backoff;
  /** Files of this page's uploads, by clientId: only memory holds the bytes, so a reload loses them. */
  private readonly files = new Map<string, { file: FileInput; controller: AbortController | null }>();
  private readonly urls = new Map<string, { url: string; expiresAt: number }>();

  constructor(private readonly deps: HandleDeps) {
    this.id = deps.id;
    this.liveDeferred = deps.deferLive === true;
    this.userId = deps.session.user?.id ?? null;
    this.retryBackoff = new Backoff(deps.backoff);
    this.catchUpBackoff = new Backoff(deps.backoff);
    this.live = deps.WebSocket
      ? new Live({
          WebSocket: deps.WebSocket,
          backoff: deps.backoff,
          connectTimeout: deps.connectTimeout,
          url: (after) => deps.liveUrl(this.id, after),
          prepare: async () => {
            await this.seed();
            return { token: await deps.session.token(), after: this.timeline.lastSeq };
          },
          refresh: (stale) => deps.session.refresh(stale),
          onFrame: (frame) => this.onFrame(frame),
          onState: (state) => this.onLiveState(state),
          onDown: (err) => this.onLiveDown(err),
          onFatal: (code, reason, err) => this.onLiveFatal(code, reason, err),
          isFatal: (err) => isSignedOut(err) || (err instanceof CarryoverError && (err.status === 403 || err.status === 404)),
        })
      : null;
    this.unsubscribe = deps.onSession((user) => this.onSessionChange(user));
  }

  /** Shows the stored outbox at once, loads the newest history, starts live updates and delivery. */
  async open(): Promise<void> {
    const stored = await this.deps.outbox.load();
    for (const entry of stored) this.showPending(entry);
    // Uploads cut off by a reload: their bytes are gone, so they are failed
    // (retry with the file again), never silently dropped and never sent half-done.
    for (const entry of stored) {
      if (entry.upload && !entry.failed && !this.files.has(entry.clientId)) {
        this.timeline.setPendingState(entry.clientId, "failed", "upload_interrupted");
        await this.deps.outbox.setFailed(entry.clientId, "upload_interrupted");
      }
    }
    try {
      await this.seed();
    } catch (err) {
      // Offline is fine: the outbox is shown and the live loop keeps trying.
      if (!isTransient(err)) {
        this.close();
        throw err;
      }
    }
    if (!this.deps.deferLive) this.startLive();
    this.flush();
    this.changed();
  }

  follow(source: LiveSource | null): void {
    if (this.closedFlag) return;
    this.liveDeferred = false;
    this.unfollow?.();
    this.unfollow = null;
    if (!source) {
      this.startLive();
      return;
    }
    this.live?.stop("offline");
    this.rejectWaiters(new CarryoverError("network", 0, "following another live source"));
    this.unfollow = source.subscribe((frame) => {
      // Only what every socket of the thread sees; acks and errors belong to the socket that sent.
      if (frame.type === "event" || frame.type === "read" || frame.type === "typing") this.onFrame(frame);
    });
    this.setConnection("live");
    this.catchUp();
    this.flush();
  }

  get items(): readonly TimelineItem[] {
    return this.timeline.items();
  }

  get lastSeq(): number {
    return this.timeline.lastSeq;
  }

  get hasOlder(): boolean {
    return this.timeline.isSeeded && this.timeline.firstSeq > 1;
  }

  get connection(): LiveState {
    return this.connectionValue;
  }

  get unread(): number {
    return this.timeline.unreadAfter(this.readSeq);
  }

  get status(): ConversationStatus {
    return this.statusValue;
  }

  get owner(): Owner {
    return this.ownerValue;
  }

  on(event: "change", fn: () => void): () => void;
  on(event: "event", fn: (e: Event) => void): () => void;
  on(event: "read", fn: (r: { userId: string; deviceId: string; seq: number }) => void): () => void;
  on(event: "typing", fn: (t: { sender: Sender; state: "on" | "off" }) => void): () => void;
  on(event: "upload", fn: (p: UploadProgress) => void): () => void;
  on(event: keyof HandleEvents, fn: (value: never) => void): () => void {
    return this.emitter.on(event, fn as (value: unknown) => void);
  }

  send(content: Content): TimelineItem {
    if (this.closedFlag) throw new CarryoverError("closed", 0, "the conversation handle is closed");
    const entry: OutboxEntry = { clientId: newClientId(), content, createdAt: new Date().toISOString() };
    const item = this.timeline.addPending({ clientId: entry.clientId, content, createdAt: entry.createdAt, state: "pending" });
    this.changed();
    this.deps.outbox.add(entry).then(
      () => this.flush(),
      (err: unknown) => {
        // Not persisted (storage full or failing): still try to deliver it now.
        this.deps.onError(asCarryoverError(err));
        this.flush();
      },
    );
    return item;
  }

  retry(clientId: string, file?: FileInput): void {
    if (!this.deps.outbox.has(clientId)) return;
    const entry = this.deps.outbox.entries.find((e) => e.clientId === clientId);
    if (entry?.upload) return this.retryUpload(entry, file);
    this.timeline.setPendingState(clientId, "pending");
    this.changed();
    void this.deps.outbox.setFailed(clientId, null).then(() => this.flush());
  }

  sendFile(file: FileInput, options: { caption?: string; maxBytes?: number } = {}): TimelineItem {
    if (this.closedFlag) throw new CarryoverError("closed", 0, "the conversation handle is closed");
    const info = fileInfo(file);
    const mediaType = mediaTypeOfFile(info.type);
    if (!mediaType) throw new CarryoverError("unsupported_media_type", 415, `${info.type} files cannot be sent`);
    if (options.maxBytes !== undefined && info.size > options.maxBytes) {
      throw new CarryoverError("payload_too_large", 413, `attachments are limited to ${options.maxBytes} bytes`);
    }
    const content: Content = { type: "media", mediaType, ...(options.caption ? { caption: options.caption } : {}) };
    const entry: OutboxEntry = { clientId: newClientId(), content, createdAt: new Date().toISOString(), upload: info };
    this.files.set(entry.clientId, { file, controller: null });
    const item = this.timeline.addPending({ clientId: entry.clientId, content, createdAt: entry.createdAt, state: "pending", upload: { ...info, loaded: 0 } });
    this.changed();
    const start = () => void this.upload(entry.clientId);
    this.deps.outbox.add(entry).then(start, (err: unknown) => {
      this.deps.onError(asCarryoverError(err));
      start();
    });
    return item;
  }

  cancel(clientId: string): boolean {
    const entry = this.deps.outbox.entries.find((e) => e.clientId === clientId);
    // Handed to the server already (no upload left, not failed): it may be in the log any moment.
    if (!entry || (!entry.upload && !entry.failed)) return false;
    const local = this.files.get(clientId);
    this.files.delete(clientId);
    local?.controller?.abort();
    this.timeline.removePending(clientId);
    this.changed();
    void this.deps.outbox.remove(clientId);
    return true;
  }

  async attachmentUrl(attachmentId: string): Promise<string> {
    const cached = this.urls.get(attachmentId);
    if (cached && cached.expiresAt - Date.now() > 60_000) return cached.url;
    const answer = await this.deps.session.request("GET", `/v1/attachments/${encodeURIComponent(attachmentId)}/url`);
    const body = answer.body;
    if (!isRecord(body) || typeof body.url !== "string") throw new CarryoverError("invalid_response", 0, "no attachment URL in the answer");
    const expiresAt = typeof body.expiresAt === "string" ? Date.parse(body.expiresAt) : Date.now() + 60_000;
    this.urls.set(attachmentId, { url: body.url, expiresAt });
    return body.url;
  }

  async loadOlder(limit = this.deps.pageSize): Promise<boolean> {
    await this.seed();
    const before = this.timeline.firstSeq;
    if (before <= 1) return false;
    const answer = await this.deps.session.request("GET", `/v1/conversations/${this.id}/events?before=${before}&limit=${limit}`);
    const events = eventsOf(answer.body);
    const added = this.timeline.prepend(events);
    if (added > 0) this.changed();
    return added > 0;
  }

  markRead(seq = this.timeline.lastSeq): void {
    if (seq <= this.readSeq) return;
    this.readSeq = seq;
    this.changed();
    this.sendRead();
  }

  typing(on: boolean): void {
    const state = on ? "on" : "off";
    const now = Date.now();
    // "on" is repeated at most every TYPING_RESEND_MS while typing goes on; "off" once.
    if (state === this.typingState && (state === "off" || now - this.typingSentAt < TYPING_RESEND_MS)) return;
    if (this.live?.send({ type: "typing", state })) {
      this.typingState = state;
      this.typingSentAt = now;
    }
  }

  reconnect(): void {
    if (this.closedFlag || !this.deps.session.user) return;
    if (this.connectionValue !== "live" && !this.unfollow && !this.liveDeferred) this.live?.reconnect();
    this.flush();
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.live?.stop("closed");
    this.unfollow?.();
    this.unfollow = null;
    this.connectionValue = "closed";
    this.clearRetry();
    if (this.catchUpTimer !== null) clearTimeout(this.catchUpTimer);
    this.catchUpTimer = null;
    this.rejectWaiters(new CarryoverError("closed", 0, "the conversation handle is closed"));
    for (const local of this.files.values()) local.controller?.abort();
    this.releaseSession?.();
    this.releaseSession = null;
    this.unsubscribe();
    this.emitter.emit("change", undefined);
    this.emitter.clear();
    this.deps.onClosed(this);
  }

  // --- uploads -------------------------------------------------------------------

  /** Uploads the file of a pending message, then lets the outbox deliver the message (by its clientId, once). */
  private async upload(clientId: string): Promise<void> {
    const local = this.files.get(clientId);
    const entry = this.deps.outbox.entries.find((e) => e.clientId === clientId);
    if (!local || !entry?.upload || this.closedFlag) return;
    const controller = new AbortController();
    local.controller = controller;
    const info = entry.upload;
    const onProgress = (loaded: number, total: number) => {
      if (this.files.get(clientId) !== local) return;
      this.timeline.setPendingUpload(clientId, { ...info, size: total || info.size, loaded });
      this.changed();
      this.emitter.emit("upload", { clientId, loaded, total });
    };
    const attempt = async (token: string) =>
      uploadFile(this.deps.upload, { token, conversationId: this.id, file: local.file, info, signal: controller.signal, onProgress });
    try {
      let token = await this.deps.session.token();
      let attachment;
      try {
        attachment = await attempt(token);
      } catch (err) {
        if (!isRefreshable(err)) throw err;
        token = await this.deps.session.refresh(token);
        attachment = await attempt(token);
      }
      if (this.files.get(clientId) !== local) return;
      this.files.delete(clientId);
      const content = { ...entry.content, attachmentId: attachment.id } as Content;
      const { upload: _u, failed: _f, ...rest } = entry;
      await this.deps.outbox.replace({ ...rest, content });
      // Still shown as the file (now fully sent) until the server's event replaces it.
      this.timeline.setPendingUpload(clientId, { ...info, size: attachment.size, loaded: attachment.size }, content);
      this.changed();
      this.flush();
    } catch (err) {
      if (this.files.get(clientId) !== local || controller.signal.aborted) return;
      local.controller = null;
      const error = asCarryoverError(err);
      this.timeline.setPendingState(clientId, "failed", error.code);
      this.changed();
      await this.deps.outbox.setFailed(clientId, error.code);
      if (!isTransient(error)) this.deps.onError(error);
    }
  }

  private retryUpload(entry: OutboxEntry, file: FileInput | undefined): void {
    if (file) this.files.set(entry.clientId, { file, controller: null });
    if (!this.files.has(entry.clientId)) {
      this.deps.onError(new CarryoverError("upload_interrupted", 0, "the file is no longer at hand: retry(clientId, file) with the file again"));
      return;
    }
    const next = { ...entry };
    if (file) {
      const info = fileInfo(file);
      const mediaType = mediaTypeOfFile(info.type);
      if (!mediaType) throw new CarryoverError("unsupported_media_type", 415, `${info.type} files cannot be sent`);
      next.upload = info;
      next.content = { ...entry.content, mediaType } as Content;
    }
    delete next.failed;
    this.timeline.setPendingState(entry.clientId, "pending");
    this.timeline.setPendingUpload(entry.clientId, { ...(next.upload ?? { name: "file", type: "", size: 0 }), loaded: 0 }, next.content);
    this.changed();
    void this.deps.outbox.replace(next).then(() => this.upload(entry.clientId));
  }

  // --- history and catch-up -------------------------------------------------

  /** Loads conversation state and the newest page of history, once. */
  private seed(): Promise<void> {
    if (this.timeline.isSeeded) return Promise.resolve();
    this.seeding ??= (async () => {
      const [info, page] = await Promise.all([
        this.deps.session.request("GET", `/v1/conversations/${this.id}`),
        this.deps.session.request("GET", `/v1/conversations/${this.id}/events?before=${LATEST}&limit=${this.deps.pageSize}`),
      ]);
      this.applyInfo(info.body);
      this.timeline.seed(eventsOf(page.body));
      for (const e of this.timeline.serverEvents) this.applyEvent(e);
      // Stored messages the server already holds (acknowledged, then a reload before removal).
      for (const entry of [...this.deps.outbox.entries]) {
        if (this.timeline.findByClientId(entry.clientId)) await this.deps.outbox.remove(entry.clientId);
      }
      this.changed();
    })().finally(() => {
      this.seeding = null;
    });
    return this.seeding;
  }

  /** Fetches everything after lastSeq over HTTP (when the socket is down or a gap showed). */
  private catchUp(): void {
    if (this.closedFlag) return;
    if (this.catching) {
      this.catchAgain = true;
      return;
    }
    this.catching = (async () => {
      try {
        await this.seed();
        for (;;) {
          const after = this.timeline.lastSeq;
          const answer = await this.deps.session.request("GET", `/v1/conversations/${this.id}/events?after=${after}&limit=500`);
          this.ingest(eventsOf(answer.body));
          if (!(isRecord(answer.body) && answer.body.hasMore === true) || this.timeline.lastSeq === after) break;
        }
        this.catchUpBackoff.reset();
      } catch (err) {
        this.report(err);
        // Behind a seq the server announced (an ack, a ready cursor): try again later.
        if (isTransient(err) && this.timeline.lastSeq < this.knownSeq) this.scheduleCatchUp();
      }
    })().finally(() => {
      this.catching = null;
      if (this.catchAgain) {
        this.catchAgain = false;
        this.catchUp();
      }
    });
  }

  private scheduleCatchUp(): void {
    if (this.catchUpTimer !== null || this.closedFlag) return;
    this.catchUpTimer = setTimeout(() => {
      this.catchUpTimer = null;
      if (this.timeline.lastSeq < this.knownSeq) this.catchUp();
    }, this.catchUpBackoff.next());
  }

  private ingest(events: readonly Event[]): void {
    for (const e of events) this.knownSeq = Math.max(this.knownSeq, e.seq);
    const { added, gap } = this.timeline.ingest(events);
    for (const e of added) {
      this.applyEvent(e);
      // The log holds it: the server acknowledged it whichever way it got there.
      if (e.clientId !== undefined && e.sender.role === "customer" && this.deps.outbox.has(e.clientId)) {
        void this.deps.outbox.remove(e.clientId);
      }
    }
    if (added.length > 0) this.changed();
    for (const e of added) this.emitter.emit("event", e);
    if (gap) this.catchUp();
  }

  private applyInfo(body: unknown): void {
    if (!isRecord(body)) return;
    const c = body.conversation;
    if (isRecord(c)) {
      if (c.status === "open" || c.status === "pending" || c.status === "snoozed" || c.status === "resolved") this.statusValue = c.status;
      if (c.owner === "bot" || c.owner === "agent") this.ownerValue = c.owner;
    }
    if (isRecord(body.reads)) {
      for (const seq of Object.values(body.reads)) {
        if (typeof seq === "number" && seq > this.readSeq) this.readSeq = seq;
      }
      this.readSent = Math.max(this.readSent, this.readSeq);
    }
  }

  private applyEvent(e: Event): void {
    if (e.type === "conversation.updated") {
      this.statusValue = e.status;
      this.ownerValue = e.owner;
    }
  }

  // --- live -------------------------------------------------------------------

  private startLive(): void {
    if (this.closedFlag || !this.deps.session.user || this.unfollow || this.liveDeferred) return;
    this.releaseSession ??= this.deps.session.hold();
    if (this.live) this.live.start();
    else this.setConnection("offline");
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "event":
        this.ingest([frame.event]);
        break;
      case "ack": {
        const waiter = this.waiters.get(frame.clientId);
        if (waiter) {
          this.waiters.delete(frame.clientId);
          clearTimeout(waiter.timer);
          waiter.resolve(frame.event ? { seq: frame.seq, event: frame.event } : { seq: frame.seq });
        } else {
          void this.settle(frame.clientId, frame.event ? { seq: frame.seq, event: frame.event } : { seq: frame.seq });
        }
        break;
      }
      case "read":
        if (frame.userId === this.userId && frame.seq > this.readSeq) {
          this.readSeq = frame.seq;
          this.readSent = Math.max(this.readSent, frame.seq);
          this.changed();
        }
        this.emitter.emit("read", { userId: frame.userId, deviceId: frame.deviceId, seq: frame.seq });
        break;
      case "typing":
        this.emitter.emit("typing", { sender: frame.sender, state: frame.state });
        break;
      case "ready":
        // The replay is in: anything held locally can go now.
        this.knownSeq = Math.max(this.knownSeq, frame.cursor);
        if (frame.cursor > this.timeline.lastSeq) this.catchUp();
        this.sendRead();
        this.flush();
        break;
      case "error":
        if (frame.clientId) {
          this.fail(frame.clientId, new CarryoverError(frame.code, CODE_STATUS[frame.code] ?? 400, frame.message));
        } else {
          this.deps.onError(new CarryoverError(frame.code, CODE_STATUS[frame.code] ?? 0, frame.message));
        }
        break;
      case "pong":
        break;
    }
  }

  private onLiveState(state: LiveState): void {
    if (state !== "live") this.rejectWaiters(new CarryoverError("network", 0, "the live connection dropped"));
    this.setConnection(state);
  }

  private onLiveDown(err: unknown): void {
    if (err instanceof CarryoverError && !isTransient(err)) this.report(err);
    // The socket is down: catch up and deliver over HTTP meanwhile.
    this.catchUp();
    this.flush();
  }

  private onLiveFatal(code: number, reason: string, err: unknown): void {
    if (code === CloseCode.revoked) {
      // Signed out, unless another tab already stored this device's next session
      // (it signed in and merged the guest): then this handle follows it.
      void this.deps.session.revoked(this.deps.session.currentToken).then((signedOut) => {
        // The close reason is the server's word for developers; the message is ours, fixed.
        if (signedOut) this.deps.onError(new CarryoverError("token_revoked", 401, "this device was signed out"));
      });
      return;
    }
    if (err !== undefined) {
      this.report(err);
      return;
    }
    const forbidden = code === CloseCode.forbidden;
    this.deps.onError(new CarryoverError(forbidden ? "forbidden" : "invalid_token", forbidden ? 403 : 401, `live connection refused (${code}${reason ? ` ${reason}` : ""})`));
  }

  private onSessionChange(user: CarryoverUser | null): void {
    if (this.closedFlag) return;
    const before = this.userId;
    this.userId = user?.id ?? null;
    if (!user) {
      // Signed out: stop talking to the server; the outbox stays for the next session.
      this.live?.stop("offline");
      this.setConnection("offline");
      this.clearRetry();
      this.releaseSession?.();
      this.releaseSession = null;
      return;
    }
    if (before !== user.id || this.connectionValue !== "live") {
      this.releaseSession ??= this.deps.session.hold();
      if (this.unfollow) this.setConnection("live");
      else if (this.live && !this.liveDeferred) this.live.reconnect();
      this.flush();
    }
  }

  // --- delivery ----------------------------------------------------------------

  private showPending(entry: OutboxEntry): void {
    if (this.timeline.hasPending(entry.clientId)) return;
    this.timeline.addPending({
      clientId: entry.clientId,
      content: entry.content,
      createdAt: entry.createdAt,
      state: entry.failed ? "failed" : "pending",
      ...(entry.failed ? { error: entry.failed } : {}),
      ...(entry.upload ? { upload: { ...entry.upload, loaded: 0 } } : {}),
    });
  }

  /** Delivers the outbox in order, one message at a time, until empty or stuck. */
  private flush(): void {
    if (this.closedFlag || !this.deps.session.user) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    this.clearRetry();
    void (async () => {
      try {
        for (;;) {
          if (this.closedFlag || !this.deps.session.user) return;
          const entry = this.deps.outbox.entries.find((e) => !e.failed && !e.upload);
          if (!entry) return;
          this.showPending(entry);
          try {
            const ack = await this.deliver(entry);
            this.retryBackoff.reset();
            await this.settle(entry.clientId, ack);
          } catch (err) {
            if (isSignedOut(err) || this.closedFlag) return;
            if (isTransient(err) || !(err instanceof CarryoverError) || err.status === 401) {
              this.scheduleRetry(err);
              return;
            }
            await this.fail(entry.clientId, err);
          }
        }
      } finally {
        this.flushing = false;
        if (this.flushAgain) {
          this.flushAgain = false;
          this.flush();
        }
      }
    })();
  }

  private async deliver(entry: OutboxEntry): Promise<{ seq: number; event?: Event }> {
    if (this.live?.ready) {
      this.dropWaiter(entry.clientId, new CarryoverError("network", 0, "superseded"));
      const acked = new Promise<{ seq: number; event?: Event }>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            if (this.waiters.get(entry.clientId) === waiter) this.waiters.delete(entry.clientId);
            reject(new CarryoverError("network", 0, "no acknowledgement in time"));
          }, this.deps.ackTimeout),
        };
        this.waiters.set(entry.clientId, waiter);
      });
      if (this.live.send({ type: "send", clientId: entry.clientId, content: entry.content })) return acked;
      acked.catch(() => undefined);
      this.dropWaiter(entry.clientId, new CarryoverError("network", 0, "the live connection dropped"));
    }
    const answer = await this.deps.session.request("POST", `/v1/conversations/${this.id}/messages`, {
      body: { clientId: entry.clientId, content: entry.content },
    });
    const event = isRecord(answer.body) && isEvent(answer.body.event) ? answer.body.event : undefined;
    if (!event) throw new CarryoverError("invalid_response", 0, "the send answer carried no event");
    return { seq: event.seq, event };
  }

  /** The server acknowledged the message: it leaves the outbox and its pending item gives way. */
  private async settle(clientId: string, ack: { seq: number; event?: Event }): Promise<void> {
    this.knownSeq = Math.max(this.knownSeq, ack.seq);
    if (ack.event) this.ingest([ack.event]);
    this.timeline.acknowledge(clientId, ack.seq);
    this.changed();
    await this.deps.outbox.remove(clientId);
    // Acknowledged ahead of the window (an ack without its event, from an older
    // server): fetch up to it so the event replaces the pending item.
    if (ack.seq > this.timeline.lastSeq) this.catchUp();
  }

  private async fail(clientId: string, err: CarryoverError): Promise<void> {
    // The flush loop that waited on this send records the failure.
    if (this.dropWaiter(clientId, err)) return;
    this.timeline.setPendingState(clientId, "failed", err.code);
    this.changed();
    await this.deps.outbox.setFailed(clientId, err.code);
    this.deps.onError(err);
  }

  private scheduleRetry(err: unknown): void {
    this.clearRetry();
    const retryAfter = err instanceof CarryoverError && err.retryAfter !== undefined ? err.retryAfter * 1000 : 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, Math.max(retryAfter, this.retryBackoff.next()));
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Rejects the send waiting for this clientId's ack; false when none waited. */
  private dropWaiter(clientId: string, err: unknown): boolean {
    const waiter = this.waiters.get(clientId);
    if (!waiter) return false;
    this.waiters.delete(clientId);
    clearTimeout(waiter.timer);
    waiter.reject(err);
    return true;
  }

  private rejectWaiters(err: CarryoverError): void {
    for (const [clientId, waiter] of this.waiters) {
      this.waiters.delete(clientId);
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }

  // --- reads --------------------------------------------------------------------

  private sendRead(): void {
    const seq = this.readSeq;
    if (seq <= this.readSent || this.readInFlight || !this.deps.session.user) return;
    if (this.live?.send({ type: "read", seq })) {
      this.readSent = seq;
      return;
    }
    this.readInFlight = true;
    this.deps.session
      .request("POST", `/v1/conversations/${this.id}/read`, { body: { seq } })
      .then(
        () => {
          this.readSent = Math.max(this.readSent, seq);
        },
        (err: unknown) => {
          // Offline: the cursor is sent again when the socket is ready.
          if (!isTransient(err)) this.report(err);
        },
      )
      .finally(() => {
        this.readInFlight = false;
        if (this.readSeq > this.readSent && this.live?.ready) this.sendRead();
      });
  }

  // --- plumbing -------------------------------------------------------------------

  private setConnection(state: LiveState): void {
    if (this.closedFlag && state !== "closed") return;
    if (this.connectionValue === state) return;
    this.connectionValue = state;
    this.changed();
  }

  private changed(): void {
    if (!this.closedFlag) this.emitter.emit("change", undefined);
  }

  private report(err: unknown): void {
    if (isTransient(err)) return;
    this.deps.onError(asCarryoverError(err));
  }
}

function eventsOf(body: unknown): Event[] {
  if (!isRecord(body) || !Array.isArray(body.events)) return [];
  return body.events.filter(isEvent);
}
