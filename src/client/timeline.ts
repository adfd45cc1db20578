// The conversation as shown: a gap-free window of the server's log plus the
// local messages not yet in it. A pending message is replaced by its server
// event (matched by clientId) the moment that event enters the window, so a
// message is never shown twice.
import type { Content } from "../protocol/content";
import type { Event } from "../protocol/event";

export type MessageState = "pending" | "sent" | "failed";

export interface PendingMessage {
  clientId: string;
  content: Content;
  createdAt: string;
  state: MessageState;
  error?: string;
  /** A file being uploaded for this message: name, type, size and bytes sent so far. */
  upload?: { name: string; type: string; size: number; loaded: number };
}

export interface TimelineItem {
  key: string;
  seq: number | null;
  event: Event | null;
  pending?: PendingMessage;
}

export interface IngestResult {
  /** Events that entered the window, in order. */
  added: Event[];
  /** A later event arrived before an earlier one: fetch what lies between. */
  gap: boolean;
}

function eventItem(event: Event): TimelineItem {
  return { key: event.id, seq: event.seq, event };
}

function pendingItem(p: PendingMessage): TimelineItem {
  return { key: `local:${p.clientId}`, seq: null, event: null, pending: { ...p } };
}

export class Timeline {
  private events: Event[] = [];
  private readonly pending = new Map<string, PendingMessage>();
  private first = 1;
  private last = 0;
  private seeded = false;
  private cache: readonly TimelineItem[] | null = null;

  /** Whether the window was placed on the log (the latest page was loaded). */
  get isSeeded(): boolean {
    return this.seeded;
  }

  /** The last seq held; everything from firstSeq to lastSeq is held without gaps. */
  get lastSeq(): number {
    return this.last;
  }

  get firstSeq(): number {
    return this.first;
  }

  get serverEvents(): readonly Event[] {
    return this.events;
  }

  /** Places the window on the newest page of the log (ascending, gap-free). */
  seed(page: readonly Event[]): Event[] {
    if (this.seeded) return this.ingest(page).added;
    this.seeded = true;
    const events = contiguous(page);
    this.events = events;
    this.first = events[0]?.seq ?? 1;
    this.last = events.at(-1)?.seq ?? 0;
    for (const e of events) this.settle(e);
    this.cache = null;
    return events;
  }

  /** Appends newer events; duplicates are ignored, a gap stops the append. */
  ingest(incoming: readonly Event[]): IngestResult {
    const added: Event[] = [];
    let gap = false;
    for (const e of incoming) {
      if (e.seq <= this.last) continue;
      if (e.seq !== this.last + 1) {
        gap = true;
        break;
      }
      this.events.push(e);
      this.last = e.seq;
      this.settle(e);
      added.push(e);
    }
    if (added.length > 0) this.cache = null;
    return { added, gap };
  }

  /** Prepends older history that ends just before firstSeq; returns how many were added. */
  prepend(older: readonly Event[]): number {
    const fitting = contiguous(older.filter((e) => e.seq < this.first));
    if (fitting.length === 0 || fitting.at(-1)?.seq !== this.first - 1) return 0;
    this.events = [...fitting, ...this.events];
    this.first = fitting[0]?.seq ?? this.first;
    this.cache = null;
    return fitting.length;
  }

  /** The event of the log that carries this clientId from the customer side, if held. */
  findByClientId(clientId: string): Event | undefined {
    return this.events.find((e) => e.clientId === clientId && e.sender.role === "customer");
  }

  addPending(p: PendingMessage): TimelineItem {
    this.pending.set(p.clientId, { ...p });
    this.cache = null;
    return pendingItem(p);
  }

  /** Updates (or, with null, ends) the upload shown on a pending message; `content` replaces its content. */
  setPendingUpload(clientId: string, upload: PendingMessage["upload"] | null, content?: Content): void {
    const p = this.pending.get(clientId);
    if (!p) return;
    const { upload: _old, ...rest } = p;
    this.pending.set(clientId, { ...rest, ...(upload ? { upload } : {}), ...(content ? { content } : {}) });
    this.cache = null;
  }

  hasPending(clientId: string): boolean {
    return this.pending.has(clientId);
  }

  setPendingState(clientId: string, state: MessageState, error?: string): void {
    const p = this.pending.get(clientId);
    if (!p) return;
    const next: PendingMessage = { clientId: p.clientId, content: p.content, createdAt: p.createdAt, state };
    if (error !== undefined) next.error = error;
    if (p.upload) next.upload = p.upload;
    this.pending.set(clientId, next);
    this.cache = null;
  }

  /** The server has the message at `seq`: drop it if the window holds that seq, else show it as sent. */
  acknowledge(clientId: string, seq: number): void {
    if (seq <= this.last) this.removePending(clientId);
    else this.setPendingState(clientId, "sent");
  }

  removePending(clientId: string): void {
    if (this.pending.delete(clientId)) this.cache = null;
  }

  /** Ascending seq, pending ones last in the order they were sent. */
  items(): readonly TimelineItem[] {
    this.cache ??= Object.freeze([...this.events.map(eventItem), ...[...this.pending.values()].map(pendingItem)]);
    return this.cache;
  }

  /** Messages from the business (bot, agent, system) after `readSeq`, within the window. */
  unreadAfter(readSeq: number): number {
    let n = 0;
    for (const e of this.events) {
      if (e.seq > readSeq && e.type === "message.created" && e.sender.role !== "customer") n++;
    }
    return n;
  }

  private settle(e: Event): void {
    if (e.clientId !== undefined && e.sender.role === "customer") this.removePending(e.clientId);
  }
}

/** The longest gap-free ascending run at the end of `page` (pages are gap-free; this guards the window). */
function contiguous(page: readonly Event[]): Event[] {
  const sorted = [...page].sort((a, b) => a.seq - b.seq);
  const out: Event[] = [];
  for (const e of sorted) {
    const prev = out.at(-1);
    if (prev && e.seq === prev.seq) continue;
    if (prev && e.seq !== prev.seq + 1) out.length = 0;
    out.push(e);
  }
  return out;
}
