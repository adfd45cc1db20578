// The channel deliveries of one conversation (SQLite of its ChannelOutbox):
// one row per business message for the bound messenger identity, sent in
// seq order, one at a time; a retrying row holds back the rows after it, a
// failed one does not. Also the one-time channel-link refs redeemed here.
import { applyMigrations } from "../sql-migrate";
import type { Content } from "../protocol/content";
import type { Role } from "../protocol/content";
import type { ChannelKind } from "./settings";

const MIGRATIONS = [
  `CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE deliveries (
     seq INTEGER PRIMARY KEY,
     event_id TEXT NOT NULL,
     channel TEXT NOT NULL,
     recipient TEXT NOT NULL,
     sender_role TEXT NOT NULL,
     content TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     parts_sent INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER,
     last_status INTEGER,
     last_error TEXT,
     last_response TEXT,
     message_ids TEXT NOT NULL DEFAULT '[]',
     created_at TEXT NOT NULL,
     sent_at INTEGER,
     delivered_at TEXT,
     read_at TEXT
   );
   CREATE INDEX deliveries_pending ON deliveries (status, seq);
   CREATE TABLE used_refs (id TEXT PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL, used_at TEXT NOT NULL);`,
];

/** Delays before attempts 2, 3, … (as for webhooks, API.md "Order and retries"); then the delivery fails. */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export type DeliveryStatus = "pending" | "succeeded" | "failed";

/** A row of GET /v1/conversations/:id/channel-deliveries. */
export interface ChannelDelivery {
  seq: number;
  eventId: string;
  channel: ChannelKind;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastResponse: string | null;
  platformMessageIds: string[];
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
}

export interface PendingDelivery {
  seq: number;
  channel: ChannelKind;
  recipient: string;
  senderRole: Role;
  content: Content;
  attempts: number;
  partsSent: number;
  nextAttemptAt: number | null;
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  event_id: string;
  channel: string;
  recipient: string;
  sender_role: string;
  content: string;
  status: string;
  attempts: number;
  parts_sent: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_response: string | null;
  message_ids: string;
  created_at: string;
  sent_at: number | null;
  delivered_at: string | null;
  read_at: string | null;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export class OutboxStore {
  constructor(private readonly sql: SqlStorage) {
    applyMigrations(sql, MIGRATIONS);
  }

  getState(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM state WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setState(key: string, value: string): void {
    this.sql.exec("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  /** Queues one business message; a seq already queued is left as it is. */
  enqueue(input: { seq: number; eventId: string; channel: ChannelKind; recipient: string; senderRole: Role; content: Content }, now = Date.now()): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO deliveries (seq, event_id, channel, recipient, sender_role, content, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      input.seq,
      input.eventId,
      input.channel,
      input.recipient,
      input.senderRole,
      JSON.stringify(input.content),
      now,
      new Date(now).toISOString(),
    );
  }

  /** The oldest pending delivery: the only one that may be in flight. */
  head(): PendingDelivery | null {
    const row = this.sql.exec<Row>("SELECT * FROM deliveries WHERE status = 'pending' ORDER BY seq LIMIT 1").toArray()[0];
    if (!row) return null;
    return {
      seq: row.seq,
      channel: row.channel as ChannelKind,
      recipient: row.recipient,
      senderRole: row.sender_role as Role,
      content: JSON.parse(row.content) as Content,
      attempts: row.attempts,
      partsSent: row.parts_sent,
      nextAttemptAt: row.next_attempt_at,
    };
  }

  succeeded(seq: number, partsSent: number, messageIds: string[], status: number, now = Date.now()): void {
    const row = this.sql.exec<{ message_ids: string }>("SELECT message_ids FROM deliveries WHERE seq = ?", seq).toArray()[0];
    const ids = [...(JSON.parse(row?.message_ids ?? "[]") as string[]), ...messageIds];
    this.sql.exec(
      `UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1, parts_sent = ?, message_ids = ?, last_status = ?,
         last_error = NULL, next_attempt_at = NULL, sent_at = ? WHERE seq = ?`,
      partsSent,
      JSON.stringify(ids),
      status,
      now,
      seq,
    );
  }

  /**
   * Records a failed attempt. Retryable ones wait (Retry-After when the
   * platform gave one, else the schedule, with ±10 % jitter) until the
   * schedule is used up; then, like permanent ones, the delivery fails.
   * Returns whether it is still pending.
   */
  attemptFailed(
    seq: number,
    failure: { retryable: boolean; status: number | null; error: string; response?: string; retryAfterS?: number; partsSent: number; messageIds: string[] },
    now = Date.now(),
  ): boolean {
    const row = this.sql.exec<{ attempts: number; message_ids: string }>("SELECT attempts, message_ids FROM deliveries WHERE seq = ?", seq).toArray()[0];
    const attempts = (row?.attempts ?? 0) + 1;
    const delay = RETRY_DELAYS_MS[attempts - 1];
    const pending = failure.retryable && delay !== undefined;
    const wait = failure.retryAfterS !== undefined ? failure.retryAfterS * 1000 : (delay ?? 0) * (0.9 + Math.random() * 0.2);
    const ids = [...(JSON.parse(row?.message_ids ?? "[]") as string[]), ...failure.messageIds];
    this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = ?, parts_sent = ?, message_ids = ?, last_status = ?, last_error = ?,
         last_response = ?, next_attempt_at = ? WHERE seq = ?`,
      pending ? "pending" : "failed",
      attempts,
      failure.partsSent,
      JSON.stringify(ids),
      failure.status,
      failure.error.slice(0, 1024),
      failure.response?.slice(0, 1024) ?? null,
      pending ? Math.round(now + wait) : null,
      seq,
    );
    return pending;
  }

  /** Makes a pending or failed delivery due now (an operator's retry); false when there is none. */
  retryNow(seq: number, now = Date.now()): boolean {
    const row = this.sql.exec<{ status: string }>("SELECT status FROM deliveries WHERE seq = ?", seq).toArray()[0];
    if (!row || row.status === "succeeded") return false;
    // A failed delivery gets a fresh schedule; it is resent in its seq place, ahead of later pending rows.
    this.sql.exec(
      "UPDATE deliveries SET status = 'pending', attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END, next_attempt_at = ? WHERE seq = ?",
      now,
      seq,
    );
    return true;
  }

  /** When the head is due next, or null when nothing is pending. */
  nextDue(): number | null {
    return this.head()?.nextAttemptAt ?? null;
  }

  list(limit = 100): ChannelDelivery[] {
    return this.sql
      .exec<Row>("SELECT * FROM deliveries ORDER BY seq DESC LIMIT ?", limit)
      .toArray()
      .reverse()
      .map((row) => ({
        seq: row.seq,
        eventId: row.event_id,
        channel: row.channel as ChannelKind,
        recipient: row.recipient,
        status: row.status as DeliveryStatus,
        attempts: row.attempts,
        lastStatus: row.last_status,
        lastError: row.last_error,
        lastResponse: row.last_response,
        platformMessageIds: JSON.parse(row.message_ids) as string[],
        nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
        createdAt: row.created_at,
        sentAt: iso(row.sent_at),
        deliveredAt: row.delivered_at,
        readAt: row.read_at,
      }));
  }

  /**
   * Marks sent messages delivered or read: those whose platform ids are in
   * `mids`, and (Messenger watermarks) every one sent at or before
   * `watermark`. Returns the highest seq it covers, or 0. A "failed" status
   * (the platform gave up after accepting) marks the delivery failed with
   * `error` and covers nothing.
   */
  receipt(status: "delivered" | "read" | "failed", mids: string[], watermark: number | undefined, now = new Date(), error?: string): number {
    const rows = this.sql.exec<{ seq: number; message_ids: string; sent_at: number | null }>(
      "SELECT seq, message_ids, sent_at FROM deliveries WHERE status = 'succeeded' ORDER BY seq",
    );
    const wanted = new Set(mids);
    const covered: number[] = [];
    for (const row of rows) {
      const ids = JSON.parse(row.message_ids) as string[];
      if (ids.some((id) => wanted.has(id)) || (watermark !== undefined && row.sent_at !== null && row.sent_at <= watermark)) covered.push(row.seq);
    }
    const at = now.toISOString();
    if (status === "failed") {
      for (const seq of covered) {
        this.sql.exec("UPDATE deliveries SET status = 'failed', last_error = ? WHERE seq = ?", (error ?? "the platform reported a failure").slice(0, 1024), seq);
      }
      return 0;
    }
    for (const seq of covered) {
      if (status === "read") this.sql.exec("UPDATE deliveries SET read_at = COALESCE(read_at, ?), delivered_at = COALESCE(delivered_at, ?) WHERE seq = ?", at, at, seq);
      else this.sql.exec("UPDATE deliveries SET delivered_at = COALESCE(delivered_at, ?) WHERE seq = ?", at, seq);
    }
    return covered.at(-1) ?? 0;
  }

  /**
   * Redeems a channel-link ref once. The same identity presenting it again
   * (Meta redelivering the referral) is fine; anyone else is refused.
   */
  claimRef(id: string, channel: ChannelKind, recipient: string, now = new Date()): boolean {
    const row = this.sql.exec<{ channel: string; recipient: string }>("SELECT channel, recipient FROM used_refs WHERE id = ?", id).toArray()[0];
    if (row) return row.channel === channel && row.recipient === recipient;
    this.sql.exec("INSERT INTO used_refs (id, channel, recipient, used_at) VALUES (?, ?, ?, ?)", id, channel, recipient, now.toISOString());
    return true;
  }
}
