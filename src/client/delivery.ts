// Outgoing messages of one conversation handle: the durable outbox delivered
// in order — over the live socket when it is ready, else HTTP — retried with
// backoff until the server acknowledges, settled on the ack, kept as failed
// when refused; files are uploaded first, then sent as media messages.
import type { Content } from "../protocol/content";
import { isEvent } from "../protocol/wire";
import { AckTracker, type Ack } from "./ack-tracker";
import { paths } from "./api-paths";
import { Backoff, type BackoffOptions } from "./backoff";
import { CarryoverError, isRefreshable, isSignedOut, isTransient } from "./errors";
import { isRecord } from "./http";
import type { Live } from "./live";
import { newClientId, type Outbox, type OutboxEntry } from "./outbox";
import type { Session } from "./session";
import { SingleFlight } from "./single-flight";
import type { Timeline, TimelineItem } from "./timeline";
import { fileInfo, mediaTypeOfFile, uploadFile, type FileInput, type UploadProgress, type UploadTransport } from "./upload";

export interface DeliveryDeps {
  id: string;
  session: Session;
  outbox: Outbox;
  timeline: Timeline;
  /** The handle's socket, when it has one; sends go over it while it is ready. */
  live: Live | null;
  backoff: BackoffOptions;
  /** How long to wait for a socket ack before trying again, ms. */
  ackTimeout: number;
  upload: UploadTransport;
  /** An ack arrived: the log holds the message (and `ack.event`, when the server sent it). */
  onAck(ack: Ack): void;
  /** The ack's message left the outbox; `ack.seq` may be ahead of the history held. */
  afterAck(ack: Ack): void;
  onChange(): void;
  onUpload(progress: UploadProgress): void;
  onError(err: CarryoverError): void;
  isClosed(): boolean;
}

/** Any failure as a CarryoverError (storage and programming errors become "internal"). */
export function asCarryoverError(err: unknown): CarryoverError {
  if (err instanceof CarryoverError) return err;
  return new CarryoverError("internal", 0, err instanceof Error ? err.message : String(err), { cause: err });
}

/** Owns every message written on this handle until the server has it: shown pending, stored, delivered, settled or failed. */
export class Delivery {
  private readonly acks: AckTracker;
  private readonly backoff: Backoff;
  private readonly flushing = new SingleFlight();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Files of this page's uploads, by clientId: only memory holds the bytes, so a reload loses them. */
  private readonly files = new Map<string, { file: FileInput; controller: AbortController | null }>();

  constructor(private readonly deps: DeliveryDeps) {
    this.acks = new AckTracker(deps.ackTimeout);
    this.backoff = new Backoff(deps.backoff);
  }

  /** Shows the stored outbox as pending or failed; uploads a reload cut off are failed (their bytes are gone). */
  async restore(): Promise<void> {
    const stored = await this.deps.outbox.load();
    for (const entry of stored) this.showPending(entry);
    // Failed so the person can retry with the file again — never silently dropped, never sent half-done.
    for (const entry of stored) {
      if (entry.upload && !entry.failed && !this.files.has(entry.clientId)) {
        this.deps.timeline.setPendingState(entry.clientId, "failed", "upload_interrupted");
        await this.deps.outbox.setFailed(entry.clientId, "upload_interrupted");
      }
    }
  }

  send(content: Content): TimelineItem {
    const entry: OutboxEntry = { clientId: newClientId(), content, createdAt: new Date().toISOString() };
    const item = this.deps.timeline.addPending({ clientId: entry.clientId, content, createdAt: entry.createdAt, state: "pending" });
    this.deps.onChange();
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

  sendFile(file: FileInput, options: { caption?: string; maxBytes?: number }): TimelineItem {
    const info = fileInfo(file);
    const mediaType = mediaTypeOfFile(info.type);
    if (!mediaType) throw new CarryoverError("unsupported_media_type", 415, `${info.type} files cannot be sent`);
    if (options.maxBytes !== undefined && info.size > options.maxBytes) {
      throw new CarryoverError("payload_too_large", 413, `attachments are limited to ${options.maxBytes} bytes`);
    }
    const content: Content = { type: "media", mediaType, ...(options.caption ? { caption: options.caption } : {}) };
    const entry: OutboxEntry = { clientId: newClientId(), content, createdAt: new Date().toISOString(), upload: info };
    this.files.set(entry.clientId, { file, controller: null });
    const item = this.deps.timeline.addPending({ clientId: entry.clientId, content, createdAt: entry.createdAt, state: "pending", upload: { ...info, loaded: 0 } });
    this.deps.onChange();
    const start = () => void this.upload(entry.clientId);
    this.deps.outbox.add(entry).then(start, (err: unknown) => {
      this.deps.onError(asCarryoverError(err));
      start();
    });
    return item;
  }

  retry(clientId: string, file?: FileInput): void {
    if (!this.deps.outbox.has(clientId)) return;
    const entry = this.deps.outbox.entries.find((e) => e.clientId === clientId);
    if (entry?.upload) return this.retryUpload(entry, file);
    this.deps.timeline.setPendingState(clientId, "pending");
    this.deps.onChange();
    void this.deps.outbox.setFailed(clientId, null).then(() => this.flush());
  }

  cancel(clientId: string): boolean {
    const entry = this.deps.outbox.entries.find((e) => e.clientId === clientId);
    // Handed to the server already (no upload left, not failed): it may be in the log any moment.
    if (!entry || (!entry.upload && !entry.failed)) return false;
    const local = this.files.get(clientId);
    this.files.delete(clientId);
    local?.controller?.abort();
    this.deps.timeline.removePending(clientId);
    this.deps.onChange();
    void this.deps.outbox.remove(clientId);
    return true;
  }

  /** Delivers the outbox in order, one message at a time, until empty or stuck; asked again while at it, it goes once more. */
  flush(): void {
    if (this.deps.isClosed() || !this.deps.session.user) return;
    void this.flushing.rerun(() => this.flushOnce());
  }

  /** The server's `ack` frame. */
  onAck(clientId: string, ack: Ack): void {
    // No waiter (a late ack, or one for a send before a reload): the log holds it all the same.
    if (!this.acks.settle(clientId, ack)) void this.settle(clientId, ack);
  }

  /** The server's `error` frame for a send: refused for good. */
  onRefused(clientId: string, err: CarryoverError): void {
    void this.fail(clientId, err);
  }

  /** No socket sends can be answered any more (it dropped, or live updates come from elsewhere): they go again over HTTP. */
  abandonSocketSends(err: CarryoverError): void {
    this.acks.rejectAll(err);
  }

  /** Signed out: no more attempts until the next session; the outbox stays. */
  pause(): void {
    this.clearRetry();
  }

  close(): void {
    this.clearRetry();
    this.acks.rejectAll(new CarryoverError("closed", 0, "the conversation handle is closed"));
    for (const local of this.files.values()) local.controller?.abort();
  }

  private async flushOnce(): Promise<void> {
    if (this.deps.isClosed() || !this.deps.session.user) return;
    this.clearRetry();
    for (;;) {
      if (this.deps.isClosed() || !this.deps.session.user) return;
      const entry = this.deps.outbox.entries.find((e) => !e.failed && !e.upload);
      if (!entry) return;
      this.showPending(entry);
      try {
        const ack = await this.deliver(entry);
        this.backoff.reset();
        await this.settle(entry.clientId, ack);
      } catch (err) {
        if (isSignedOut(err) || this.deps.isClosed()) return;
        if (isTransient(err) || !(err instanceof CarryoverError) || err.status === 401) {
          this.scheduleRetry(err);
          return;
        }
        await this.fail(entry.clientId, err);
      }
    }
  }

  private async deliver(entry: OutboxEntry): Promise<Ack> {
    const live = this.deps.live;
    if (live?.ready) {
      const acked = this.acks.track(entry.clientId);
      if (live.send({ type: "send", clientId: entry.clientId, content: entry.content })) return acked;
      acked.catch(() => undefined);
      this.acks.reject(entry.clientId, new CarryoverError("network", 0, "the live connection dropped"));
    }
    const answer = await this.deps.session.request("POST", paths.messages(this.deps.id), {
      body: { clientId: entry.clientId, content: entry.content },
    });
    const event = isRecord(answer.body) && isEvent(answer.body.event) ? answer.body.event : undefined;
    if (!event) throw new CarryoverError("invalid_response", 0, "the send answer carried no event");
    return { seq: event.seq, event };
  }

  /** The server acknowledged the message: it leaves the outbox and its pending item gives way. */
  private async settle(clientId: string, ack: Ack): Promise<void> {
    this.deps.onAck(ack);
    this.deps.timeline.acknowledge(clientId, ack.seq);
    this.deps.onChange();
    await this.deps.outbox.remove(clientId);
    this.deps.afterAck(ack);
  }

  private async fail(clientId: string, err: CarryoverError): Promise<void> {
    // The flush loop that waited on this send records the failure.
    if (this.acks.reject(clientId, err)) return;
    this.deps.timeline.setPendingState(clientId, "failed", err.code);
    this.deps.onChange();
    await this.deps.outbox.setFailed(clientId, err.code);
    this.deps.onError(err);
  }

  private scheduleRetry(err: unknown): void {
    this.clearRetry();
    const retryAfter = err instanceof CarryoverError && err.retryAfter !== undefined ? err.retryAfter * 1000 : 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, Math.max(retryAfter, this.backoff.next()));
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private showPending(entry: OutboxEntry): void {
    if (this.deps.timeline.hasPending(entry.clientId)) return;
    this.deps.timeline.addPending({
      clientId: entry.clientId,
      content: entry.content,
      createdAt: entry.createdAt,
      state: entry.failed ? "failed" : "pending",
      ...(entry.failed ? { error: entry.failed } : {}),
      ...(entry.upload ? { upload: { ...entry.upload, loaded: 0 } } : {}),
    });
  }

  // --- upload, then send ----------------------------------------------------------

  /** Uploads the file of a pending message, then lets the outbox deliver the message (by its clientId, once). */
  private async upload(clientId: string): Promise<void> {
    const { timeline, outbox, session } = this.deps;
    const local = this.files.get(clientId);
    const entry = outbox.entries.find((e) => e.clientId === clientId);
    if (!local || !entry?.upload || this.deps.isClosed()) return;
    const controller = new AbortController();
    local.controller = controller;
    const info = entry.upload;
    const onProgress = (loaded: number, total: number) => {
      if (this.files.get(clientId) !== local) return;
      timeline.setPendingUpload(clientId, { ...info, size: total || info.size, loaded });
      this.deps.onChange();
      this.deps.onUpload({ clientId, loaded, total });
    };
    const attempt = async (token: string) =>
      uploadFile(this.deps.upload, { token, conversationId: this.deps.id, file: local.file, info, signal: controller.signal, onProgress });
    try {
      let token = await session.token();
      let attachment;
      try {
        attachment = await attempt(token);
      } catch (err) {
        if (!isRefreshable(err)) throw err;
        token = await session.refresh(token);
        attachment = await attempt(token);
      }
      if (this.files.get(clientId) !== local) return;
      this.files.delete(clientId);
      const content = { ...entry.content, attachmentId: attachment.id } as Content;
      const { upload: _u, failed: _f, ...rest } = entry;
      await outbox.replace({ ...rest, content });
      // Still shown as the file (now fully sent) until the server's event replaces it.
      timeline.setPendingUpload(clientId, { ...info, size: attachment.size, loaded: attachment.size }, content);
      this.deps.onChange();
      this.flush();
    } catch (err) {
      if (this.files.get(clientId) !== local || controller.signal.aborted) return;
      local.controller = null;
      const error = asCarryoverError(err);
      timeline.setPendingState(clientId, "failed", error.code);
      this.deps.onChange();
      await outbox.setFailed(clientId, error.code);
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
    this.deps.timeline.setPendingState(entry.clientId, "pending");
    this.deps.timeline.setPendingUpload(entry.clientId, { ...(next.upload ?? { name: "file", type: "", size: 0 }), loaded: 0 }, next.content);
    this.deps.onChange();
    void this.deps.outbox.replace(next).then(() => this.upload(entry.clientId));
  }
}
