// The append-only event log of one conversation: gap-free seq, idempotent
// appends by clientId, paging both ways. Synchronous SQL only, so each call
// is atomic inside the Durable Object.
import type { PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import type { Event, EventDraft } from "../protocol/event";
import { newOrderedId } from "../ids";

export const MAX_PAGE = 500;

export interface AppendOutcome {
  event: Event;
  /** false when the clientId was seen before with the same content. */
  created: boolean;
}

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  at: string;
  body: string;
}

/** A page of the log: after `after` (ascending from it), or the `limit` events before `before`. */
export interface EventsQuery {
  after?: number;
  before?: number;
  limit: number;
}

/** A page of the log, ascending; `cursor` is where the next page starts (its first seq going back, its last going on). */
export interface EventsPage {
  events: Event[];
  cursor: number;
  hasMore: boolean;
}

/** A payment request of this log: the message that carries it and its status now. */
export interface PaymentState {
  /** The id of the newest `payment_request` message with the request id. */
  requestEventId: string;
  /** As the newest payment.updated targeting that message set it, else as the message was created. */
  status: PaymentStatus;
  /** The id of that newest payment.updated event; null when there is none. */
  updateEventId: string | null;
}

function rowToEvent(row: EventRow): Event {
  return { seq: row.seq, id: row.id, at: row.at, ...(JSON.parse(row.body) as object) } as Event;
}

/**
 * A customer's clientId is unique within the conversation (the thread is one
 * person's, whichever device or guest identity wrote it); a bot's or agent's
 * is unique per sender, so nobody can pre-empt another sender's key.
 */
function idempotencyKey(draft: EventDraft): string | null {
  if (draft.clientId === undefined) return null;
  const who = draft.sender.role === "customer" ? "customer" : `${draft.sender.role}:${draft.sender.id}`;
  return `${who}:${draft.clientId}`;
}

/** What must be equal for a retry to be the same write. */
function retryFingerprint(draft: EventDraft | Event): string {
  const { type } = draft;
  const rest = draft as Record<string, unknown>;
  return JSON.stringify([type, rest.content ?? null, rest.target ?? null, rest.status ?? null]);
}

/**
 * Characters of stored event JSON one read takes into memory, about: a page
 * ends at the event that passes it (the first always comes). 2,000 events of
 * large messages (a bot may send 60 KB ones) would otherwise be over 100 MB,
 * near a Durable Object's 128 MB of memory (Cloudflare's limits).
 */
export const READ_CHARS = 4_000_000;

/** Up to `limit` rows of `rows` (which reads one more) as events, stopping after READ_CHARS; hasMore when any is left. */
function pageOf(rows: Iterable<EventRow>, limit: number): { events: Event[]; hasMore: boolean } {
  const events: Event[] = [];
  let chars = 0;
  for (const row of rows) {
    if (events.length === limit || chars >= READ_CHARS) return { events, hasMore: true };
    events.push(rowToEvent(row));
    chars += row.body.length;
  }
  return { events, hasMore: false };
}

export class EventStore {
  /** `onAppend` runs inside the append's transaction for every new event (the outbox). */
  constructor(
    private readonly sql: SqlStorage,
    private readonly onAppend: (event: Event) => void = () => {},
  ) {}

  /** The highest seq, read once: this store is the only writer of `events` (append), so memory stays exact. */
  private lastSeqRead: number | null = null;

  /** The log's end when this instance first read it: every later event went through `append` here. */
  private seenFrom: number | null = null;
  /** The newest broadcast message appended by this instance (0: none). */
  private lastBroadcast = 0;

  lastSeq(): number {
    if (this.lastSeqRead === null) {
      this.lastSeqRead = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM events").one().s ?? 0;
      this.seenFrom = this.lastSeqRead;
    }
    return this.lastSeqRead;
  }

  /**
   * False when no broadcast message can have a seq in (from, to]: all of it
   * was appended by this instance, which saw no broadcast there. Lets a read
   * cursor that moves past a customer's own messages (every customer append)
   * skip the broadcast-read query (src/broadcast/read-report.ts).
   */
  mayHoldBroadcasts(from: number, to: number): boolean {
    if (to <= from) return false;
    this.lastSeq();
    return from < (this.seenFrom ?? 0) || this.lastBroadcast > from;
  }

  /**
   * Appends `draft` as the next seq, or answers the event a retry with the
   * same idempotency key already wrote (created: false). `device` is the
   * customer device that wrote it (its read cursor moves with the row, reads.ts).
   * @throws ServiceError conflict when that key was used for different content
   */
  append(draft: EventDraft, now = new Date(), device: string | null = null): AppendOutcome {
    const key = idempotencyKey(draft);
    const seq = this.lastSeq() + 1;
    const event = { seq, id: newOrderedId("evt"), at: now.toISOString(), ...draft } as Event;
    const { seq: _s, id: _i, at: _a, ...body } = event;
    // One statement for a new event: the key's UNIQUE index is the idempotency check (a retry inserts nothing).
    const inserted = this.sql
      .exec(
        `INSERT INTO events (seq, id, type, at, sender_role, idem_key, body, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (idem_key) DO NOTHING RETURNING seq`,
        seq,
        event.id,
        event.type,
        event.at,
        event.sender.role,
        key,
        JSON.stringify(body),
        device,
      )
      .toArray().length;
    if (inserted === 0) {
      const existing = this.sql.exec<EventRow>("SELECT seq, id, at, body FROM events WHERE idem_key = ?", key).one();
      const earlier = rowToEvent(existing);
      if (retryFingerprint(earlier) !== retryFingerprint(draft)) {
        throw new ServiceError("conflict", `clientId ${draft.clientId} was already used for different content`);
      }
      return { event: earlier, created: false };
    }
    this.lastSeqRead = seq;
    if ("broadcastId" in draft && draft.broadcastId !== undefined) this.lastBroadcast = seq;
    this.onAppend(event);
    return { event, created: true };
  }

  /** Events with seq > after, ascending. */
  after(after: number, limit: number): { events: Event[]; hasMore: boolean } {
    return pageOf(this.sql.exec<EventRow>("SELECT seq, id, at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1), limit);
  }

  /** The `limit` events just before `before`, ascending. */
  before(before: number, limit: number): { events: Event[]; hasMore: boolean } {
    const page = pageOf(this.sql.exec<EventRow>("SELECT seq, id, at, body FROM events WHERE seq < ? ORDER BY seq DESC LIMIT ?", before, limit + 1), limit);
    page.events.reverse();
    return page;
  }

  /** A page of the log; past the end, its cursor is the log's end (as the socket's `ready` says), never a seq that does not exist. */
  page(query: EventsQuery): EventsPage {
    if (query.before !== undefined) {
      const page = this.before(query.before, query.limit);
      return { ...page, cursor: page.events[0]?.seq ?? query.before };
    }
    const after = query.after ?? 0;
    const page = this.after(after, query.limit);
    return { ...page, cursor: page.events.at(-1)?.seq ?? Math.min(after, this.lastSeq()) };
  }

  byId(id: string): Event | null {
    const row = this.sql.exec<EventRow>("SELECT seq, id, at, body FROM events WHERE id = ?", id).toArray()[0];
    return row ? rowToEvent(row) : null;
  }

  last(): Event | null {
    const row = this.sql.exec<EventRow>("SELECT seq, id, at, body FROM events ORDER BY seq DESC LIMIT 1").toArray()[0];
    return row ? rowToEvent(row) : null;
  }

  /** Messages from anyone but the customer after `seq`: the customer's unread count. */
  unreadAfter(seq: number): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM events WHERE seq > ? AND type = 'message.created' AND sender_role != 'customer'",
        seq,
      )
      .one().n;
  }

  /** The payment request `requestId` of this conversation and its status now; null when no message carries it. */
  payment(requestId: string): PaymentState | null {
    const request = this.sql
      .exec<{ id: string; status: string }>(
        `SELECT id, json_extract(body, '$.content.status') AS status FROM events
         WHERE type = 'message.created' AND json_extract(body, '$.content.type') = 'payment_request'
           AND json_extract(body, '$.content.requestId') = ?
         ORDER BY seq DESC LIMIT 1`,
        requestId,
      )
      .toArray()[0];
    if (!request) return null;
    const last = this.sql
      .exec<{ id: string; status: string }>(
        `SELECT id, json_extract(body, '$.status') AS status FROM events
         WHERE type = 'payment.updated' AND json_extract(body, '$.target') = ? ORDER BY seq DESC LIMIT 1`,
        request.id,
      )
      .toArray()[0];
    return { requestEventId: request.id, status: (last?.status ?? request.status) as PaymentStatus, updateEventId: last?.id ?? null };
  }
}
