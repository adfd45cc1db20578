// Outgoing messages of one conversation handle: the durable outbox delivered
// in order — over the live socket when it is ready, else HTTP — retried with
// backoff until the server acknowledges, settled on the ack, kept as failed
// when refused; files are uploaded first, then sent as media messages.
import type { Content } from "../protocol/content";
import type { Event } from "../protocol/event";
import { isEvent } from "../protocol/wire";
import * as paths from "./api-paths";
import { Backoff, type BackoffOptions } from "./backoff";
import { CarryoverError, isRefreshable, isRefusal, isSignedOut, isTransient } from "./errors";
import { isRecord } from "./http";
import type { Live } from "./live";
import { newClientId, type Outbox, type OutboxEntry } from "./outbox";
import type { Session } from "./session";
import { SingleFlight } from "./single-flight";
import type { PendingMessage, Timeline, TimelineItem } from "./timeline";
import { fileInfo, mediaTypeOfFile, uploadFile, type FileInput, type UploadProgress, type UploadTransport } from "./upload";

/** What the server answered a send with: the seq the message got and, from current servers, its event. */
export interface Ack {
  seq: number;
  event?: Event;
}

/** A socket send waiting for its `ack`. */
interface Waiter {
  resolve: (ack: Ack) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

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
}

/** Any failure as a CarryoverError (storage and programming errors become "internal"). */
export function asCarryoverError(err: unknown): CarryoverError {
  if (err instanceof CarryoverError) return err;
  return new CarryoverError("internal", 0, err instanceof Error ? err.message : String(err), { cause: err });
}

/**
 * Owns every message written on this handle until the server has it: shown
 * pending, stored, delivered, settled on the ack or failed on a refusal. A
 * socket send waits for its ack (a waiter per clientId); the waits are
 * rejected when the socket goes away, and the message goes again over HTTP.
 */
export class Delivery {
  private readonly waiters = new Map<string, Waiter>();
  private readonly backoff: Backoff;
  private readonly flushing = new SingleFlight();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Files of this page's uploads, by clientId: only memory holds the bytes, so a reload loses them. */
  private readonly files = new Map<string, { file: FileInput; controller: AbortController | null }>();

  constructor(private readonly deps: DeliveryDeps) {
    this.backoff = new Backoff(deps.backoff);
  }

  /** Shows the stored outbox as pending or failed; uploads a reload cut off are failed (their bytes are gone). */
  async restore(): Promise<void> {
    const stored = await this.deps.outbox.load();
    for (const entry of stored) this.showPending(entry);
    // Failed so the person can retry with the file again — never silently dropped, never sent half-done.
    for (const entry of stored) {
      if (entry.upload && !entry.failed && !this.files.has(entry.clientId)) await this.markFailed(entry.clientId, "upload_interrupted");
    }
  }

  send(content: Content): TimelineItem {
    return this.add({ clientId: newClientId(), content, createdAt: new Date().toISOString() }, () => this.flush());
  }

  sendFile(file: FileInput, options: { caption?: string; maxBytes?: number }): TimelineItem {
    const info = fileInfo(file);
    const mediaType = mediaTypeOf(info.type);
    if (options.maxBytes !== undefined && info.size > options.maxBytes) {
      throw new CarryoverError("payload_too_large", 413, `attachments are limited to ${options.maxBytes} bytes`);
    }
    const content: Content = { type: "media", mediaType, ...(options.caption ? { caption: options.caption } : {}) };
    const entry: OutboxEntry = { clientId: newClientId(), content, createdAt: new Date().toISOString(), upload: info };
    this.files.set(entry.clientId, { file, controller: null });
    return this.add(entry, () => void this.upload(entry.clientId));
  }

  retry(clientId: string, file?: FileInput): void {
    if (!this.deps.outbox.has(clientId)) return;
    const entry = this.entryOf(clientId);
    if (entry?.upload) return this.retryUpload(entry, file);
    this.deps.timeline.setPendingState(clientId, "pending");
    this.deps.onChange();
    void this.deps.outbox.setFailed(clientId, null).then(() => this.flush());
  }

  cancel(clientId: string): boolean {
    const entry = this.entryOf(clientId);
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
    if (!this.halted()) this.flushing.rerun(() => this.flushOnce());
  }

  /** The server's `ack` frame. */
  onAck(clientId: string, ack: Ack): void {
    const waiter = this.takeWaiter(clientId);
    if (waiter) waiter.resolve(ack);
    // No waiter — a late ack, after a timeout or a disconnect gave the send up,
    // or one for a send made before a reload: the log holds it all the same.
    else void this.settle(clientId, ack);
  }

  /** The server's `error` frame for a send: refused for good. */
  onRefused(clientId: string, err: CarryoverError): void {
    void this.fail(clientId, err);
  }

  /** No socket sends can be answered any more (it dropped, or live updates come from elsewhere): they go again over HTTP. */
  abandonSocketSends(err: CarryoverError): void {
    for (const clientId of [...this.waiters.keys()]) this.dropWaiter(clientId, err);
  }

  /** Signed out: no more attempts until the next session; the outbox stays. */
  pause(): void {
    this.clearRetry();
  }

  /** The handle closed: nothing more goes out; uploads under way are aborted. */
  close(): void {
    this.closed = true;
    this.clearRetry();
    this.abandonSocketSends(new CarryoverError("closed", 0, "the conversation handle is closed"));
    for (const local of this.files.values()) local.controller?.abort();
  }

  /** Closed, or nobody signed in: nothing can be delivered now. */
  private halted(): boolean {
    return this.closed || !this.deps.session.user;
  }

  private async flushOnce(): Promise<void> {
    this.clearRetry();
    for (;;) {
      if (this.halted()) return;
      const entry = this.deps.outbox.entries.find((e) => !e.failed && !e.upload);
      if (!entry) return;
      this.showPending(entry);
      try {
        const ack = await this.deliver(entry);
        this.backoff.reset();
        await this.settle(entry.clientId, ack);
      } catch (err) {
        if (isSignedOut(err) || this.closed) return;
        if (!isRefusal(err)) {
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
      const acked = this.waitForAck(entry.clientId);
      if (live.send({ type: "send", clientId: entry.clientId, content: entry.content })) return acked;
      acked.catch(() => undefined);
      this.dropWaiter(entry.clientId, new CarryoverError("network", 0, "the live connection dropped"));
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
    if (this.dropWaiter(clientId, err)) return;
    await this.markFailed(clientId, err.code);
    this.deps.onError(err);
  }

  private async markFailed(clientId: string, code: string): Promise<void> {
    this.deps.timeline.setPendingState(clientId, "failed", code);
    this.deps.onChange();
    await this.deps.outbox.setFailed(clientId, code);
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

  /**
   * Waits for the ack of `clientId` (started before the frame goes out: the
   * ack can come back at once). Rejects with "network" when none came within
   * ackTimeout; a wait for the same clientId still under way is superseded.
   */
  private waitForAck(clientId: string): Promise<Ack> {
    this.dropWaiter(clientId, new CarryoverError("network", 0, "superseded"));
    return new Promise<Ack>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          if (this.waiters.get(clientId) === waiter) this.waiters.delete(clientId);
          reject(new CarryoverError("network", 0, "no acknowledgement in time"));
        }, this.deps.ackTimeout),
      };
      this.waiters.set(clientId, waiter);
    });
  }

  /** Rejects the wait for this clientId's ack; false when none waited. */
  private dropWaiter(clientId: string, err: unknown): boolean {
    const waiter = this.takeWaiter(clientId);
    waiter?.reject(err);
    return waiter !== undefined;
  }

  private takeWaiter(clientId: string): Waiter | undefined {
    const waiter = this.waiters.get(clientId);
    if (!waiter) return undefined;
    this.waiters.delete(clientId);
    clearTimeout(waiter.timer);
    return waiter;
  }

  /** A new message: shown pending, stored, then `next` (delivery, or its upload first) — also when storing failed. */
  private add(entry: OutboxEntry, next: () => void): TimelineItem {
    const item = this.deps.timeline.addPending(pendingOf(entry));
    this.deps.onChange();
    this.deps.outbox.add(entry).then(next, (err: unknown) => {
      // Not persisted (storage full or failing): still try to deliver it now.
      this.deps.onError(asCarryoverError(err));
      next();
    });
    return item;
  }

  private showPending(entry: OutboxEntry): void {
    if (!this.deps.timeline.hasPending(entry.clientId)) this.deps.timeline.addPending(pendingOf(entry));
  }

  private entryOf(clientId: string): OutboxEntry | undefined {
    return this.deps.outbox.entries.find((e) => e.clientId === clientId);
  }

  // --- upload, then send ----------------------------------------------------------

  /** Uploads the file of a pending message, then lets the outbox deliver the message (by its clientId, once). */
  private async upload(clientId: string): Promise<void> {
    const { timeline, outbox, session } = this.deps;
    const local = this.files.get(clientId);
    const entry = this.entryOf(clientId);
    if (!local || !entry?.upload || this.closed) return;
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
      await this.markFailed(clientId, error.code);
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
      next.upload = fileInfo(file);
      next.content = { ...entry.content, mediaType: mediaTypeOf(next.upload.type) } as Content;
    }
    delete next.failed;
    this.deps.timeline.setPendingState(entry.clientId, "pending");
    this.deps.timeline.setPendingUpload(entry.clientId, { ...(next.upload ?? { name: "file", type: "", size: 0 }), loaded: 0 }, next.content);
    this.deps.onChange();
    void this.deps.outbox.replace(next).then(() => this.upload(entry.clientId));
  }
}

/** How an outbox entry shows in the timeline until the server's event replaces it. */
function pendingOf(entry: OutboxEntry): PendingMessage {
  return {
    clientId: entry.clientId,
    content: entry.content,
    createdAt: entry.createdAt,
    state: entry.failed ? "failed" : "pending",
    ...(entry.failed ? { error: entry.failed } : {}),
    ...(entry.upload ? { upload: { ...entry.upload, loaded: 0 } } : {}),
  };
}

/** The media type of a file the API takes. @throws CarryoverError unsupported_media_type (415) */
function mediaTypeOf(type: string): NonNullable<ReturnType<typeof mediaTypeOfFile>> {
  const mediaType = mediaTypeOfFile(type);
  if (!mediaType) throw new CarryoverError("unsupported_media_type", 415, `${type} files cannot be sent`);
  return mediaType;
}
