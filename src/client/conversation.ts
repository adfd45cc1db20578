// A handle on one conversation: the timeline (history window + pending
// messages), live updates, read cursors, typing and unread. It wires the
// parts that do the work: ./delivery (the outbox, delivered until
// acknowledged), ./history-sync (seeding and catch-up over HTTP), ./live.
import type { Content } from "../protocol/content";
import type { ConversationStatus, Event, Owner, Sender } from "../protocol/event";
import { CloseCode, TYPING_RESEND_MS, type ServerFrame } from "../protocol/wire";
import { attachmentUrl, type UrlCache } from "./attachment-urls";
import type { ConversationHandle, HandleDeps, HandleEvents, LiveSource } from "./conversation-handle";
import { Delivery, asCarryoverError, type Ack } from "./delivery";
import { CarryoverError, CODE_STATUS, isSignedOut, isTransient } from "./errors";
import { Emitter } from "./events";
import { HistorySync } from "./history-sync";
import { isRecord } from "./http";
import { Live, type LiveState } from "./live";
import { ReadCursor } from "./read-cursor";
import type { CarryoverUser } from "./session";
import { Timeline, type TimelineItem } from "./timeline";
import type { FileInput, UploadProgress } from "./upload";

/** One open conversation's handle (the client makes one per conversation id; `close()` lets it go). */
export class Conversation implements ConversationHandle {
  readonly id: string;
  private readonly timeline = new Timeline();
  private readonly emitter = new Emitter<HandleEvents>();
  private readonly live: Live | null;
  private readonly delivery: Delivery;
  private readonly history: HistorySync;
  private readonly unsubscribe: () => void;
  private releaseSession: (() => void) | null = null;
  private statusValue: ConversationStatus = "open";
  private ownerValue: Owner = "bot";
  private readonly reads: ReadCursor;
  private typingState: "on" | "off" = "off";
  private typingSentAt = 0;
  private connectionValue: LiveState = "connecting";
  private closedFlag = false;
  /** Set while live updates come from another source (follow()). */
  private unfollow: (() => void) | null = null;
  /** No socket yet: the owner will call follow() (deps.deferLive). */
  private liveDeferred = false;
  private userId: string | null;
  private readonly urls: UrlCache = new Map();

  constructor(private readonly deps: HandleDeps) {
    this.id = deps.id;
    this.liveDeferred = deps.deferLive === true;
    this.userId = deps.session.user?.id ?? null;
    const onChange = () => this.changed();
    this.live = deps.WebSocket
      ? new Live({
          WebSocket: deps.WebSocket,
          backoff: deps.backoff,
          connectTimeout: deps.connectTimeout,
          url: (after) => deps.liveUrl(this.id, after),
          prepare: async () => {
            await this.history.seed();
            return { token: await deps.session.token(), after: this.timeline.lastSeq };
          },
          refresh: (stale) => deps.session.refresh(stale),
          onFrame: (frame) => this.onFrame(frame),
          onState: (state) => this.onLiveState(state),
          onDown: (err) => this.onLiveDown(err),
          onFatal: (code, reason, token, err) => this.onLiveFatal(code, reason, token, err),
          isFatal: (err) => isSignedOut(err) || (err instanceof CarryoverError && (err.status === 403 || err.status === 404)),
        })
      : null;
    this.history = new HistorySync({
      ...deps,
      timeline: this.timeline,
      onSeeded: (info) => {
        this.applyInfo(info);
        for (const e of this.timeline.serverEvents) this.applyEvent(e);
      },
      ingest: (events) => this.ingest(events),
      onChange,
      report: (err) => this.report(err),
    });
    this.delivery = new Delivery({
      ...deps,
      timeline: this.timeline,
      live: this.live,
      onAck: (ack) => this.onAck(ack),
      afterAck: (ack) => this.history.catchUpTo(ack.seq),
      onChange,
      onUpload: (progress) => this.emitter.emit("upload", progress),
    });
    this.reads = new ReadCursor({ ...deps, live: this.live, report: (err) => this.report(err) });
    this.unsubscribe = deps.onSession((user) => this.onSessionChange(user));
  }

  /** Shows the stored outbox at once, loads the newest history, starts live updates and delivery. */
  async open(): Promise<void> {
    await this.delivery.restore();
    try {
      await this.history.seed();
    } catch (err) {
      // Offline is fine: the outbox is shown and the live loop keeps trying.
      if (!isTransient(err)) {
        this.close();
        throw err;
      }
    }
    if (!this.deps.deferLive) this.startLive();
    this.delivery.flush();
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
    this.delivery.abandonSocketSends(new CarryoverError("network", 0, "following another live source"));
    this.unfollow = source.subscribe((frame) => {
      // Only what every socket of the thread sees; acks and errors belong to the socket that sent.
      if (frame.type === "event" || frame.type === "read" || frame.type === "typing") this.onFrame(frame);
    });
    this.setConnection("live");
    this.history.catchUp();
    this.delivery.flush();
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
    return this.timeline.unreadAfter(this.reads.seq);
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
    this.ensureOpen();
    return this.delivery.send(content);
  }

  retry(clientId: string, file?: FileInput): void {
    this.delivery.retry(clientId, file);
  }

  sendFile(file: FileInput, options: { caption?: string; maxBytes?: number } = {}): TimelineItem {
    this.ensureOpen();
    return this.delivery.sendFile(file, options);
  }

  cancel(clientId: string): boolean {
    return this.delivery.cancel(clientId);
  }

  attachmentUrl(attachmentId: string): Promise<string> {
    return attachmentUrl(this.deps.session, this.urls, attachmentId);
  }

  loadOlder(limit = this.deps.pageSize): Promise<boolean> {
    return this.history.loadOlder(limit);
  }

  markRead(seq = this.timeline.lastSeq): void {
    if (this.reads.mark(seq)) this.changed();
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
    this.delivery.flush();
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.live?.stop("closed");
    this.unfollow?.();
    this.unfollow = null;
    this.connectionValue = "closed";
    this.history.stop();
    this.delivery.close();
    this.releaseSession?.();
    this.releaseSession = null;
    this.unsubscribe();
    this.emitter.emit("change", undefined);
    this.emitter.clear();
    this.deps.onClosed(this);
  }

  // --- what the server holds ------------------------------------------------------

  /** Events from the socket, a catch-up page or an ack into the timeline; a gap is fetched over HTTP. */
  private ingest(events: readonly Event[]): void {
    for (const e of events) this.history.noteSeq(e.seq);
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
    if (gap) this.history.catchUp();
  }

  private onAck(ack: Ack): void {
    this.history.noteSeq(ack.seq);
    if (ack.event) this.ingest([ack.event]);
  }

  private applyInfo(body: unknown): void {
    if (!isRecord(body)) return;
    const c = body.conversation;
    if (isRecord(c)) {
      if (c.status === "open" || c.status === "pending" || c.status === "snoozed" || c.status === "resolved") this.statusValue = c.status;
      if (c.owner === "bot" || c.owner === "agent") this.ownerValue = c.owner;
    }
    if (isRecord(body.reads)) this.reads.seed(Object.values(body.reads));
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
      case "ack":
        this.delivery.onAck(frame.clientId, frame);
        break;
      case "read":
        if (frame.userId === this.userId && this.reads.known(frame.seq)) this.changed();
        this.emitter.emit("read", { userId: frame.userId, deviceId: frame.deviceId, seq: frame.seq });
        break;
      case "typing":
        this.emitter.emit("typing", { sender: frame.sender, state: frame.state });
        break;
      case "ready":
        // The replay is in: anything held locally can go now.
        this.history.noteSeq(frame.cursor);
        this.history.catchUpTo(frame.cursor);
        this.reads.send();
        this.delivery.flush();
        break;
      case "error":
        if (frame.clientId) {
          this.delivery.onRefused(frame.clientId, new CarryoverError(frame.code, CODE_STATUS[frame.code] ?? 400, frame.message));
        } else {
          this.deps.onError(new CarryoverError(frame.code, CODE_STATUS[frame.code] ?? 0, frame.message));
        }
        break;
      case "pong":
        break;
    }
  }

  private onLiveState(state: LiveState): void {
    if (state !== "live") this.delivery.abandonSocketSends(new CarryoverError("network", 0, "the live connection dropped"));
    this.setConnection(state);
  }

  private onLiveDown(err: unknown): void {
    if (err instanceof CarryoverError && !isTransient(err)) this.report(err);
    // The socket is down: catch up and deliver over HTTP meanwhile.
    this.history.catchUp();
    this.delivery.flush();
  }

  private onLiveFatal(code: number, reason: string, token: string | null, err: unknown): void {
    if (code === CloseCode.revoked) {
      // Signed out, unless another tab already stored this device's next session
      // (it signed in and merged the guest): then this handle follows it. The token
      // judged is the socket's, not the session's current one, which may be that next session.
      void this.deps.session.revoked(token).then((signedOut) => {
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
      this.delivery.pause();
      this.releaseSession?.();
      this.releaseSession = null;
      return;
    }
    if (before !== user.id || this.connectionValue !== "live") {
      this.releaseSession ??= this.deps.session.hold();
      if (this.unfollow) this.setConnection("live");
      else if (this.live && !this.liveDeferred) this.live.reconnect();
      this.delivery.flush();
    }
  }

  // --- plumbing -------------------------------------------------------------------

  private ensureOpen(): void {
    if (this.closedFlag) throw new CarryoverError("closed", 0, "the conversation handle is closed");
  }

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
