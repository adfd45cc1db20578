// What one channel identity's ChannelInbox keeps (SQLite): the verified
// webhook items waiting to be processed, in arrival order and unique by
// platform message id, and the identity's state (tenant, the thread it
// writes to, the web person it is linked to).
import { applyMigrations } from "../sql-migrate";
import type { InboundItem } from "./inbound";

const MIGRATIONS = [
  `CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE items (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     key TEXT NOT NULL UNIQUE,
     body TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT,
     received_at INTEGER NOT NULL
   );
   CREATE INDEX items_pending ON items (status, id);`,
];

/** Delays before processing attempts 2, 3, …; then the item is marked failed (and logged). */
export const PROCESS_RETRY_MS = [2_000, 10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
/** How long processed keys are kept to recognise a platform's redelivery. */
export const KEEP_KEYS_MS = 14 * 24 * 60 * 60 * 1000;

export interface StoredItem {
  id: number;
  item: InboundItem;
  attempts: number;
  nextAttemptAt: number;
}

/** An item given up on, as the business sees it (API.md "Messenger channels extensions"). */
export interface FailedItem {
  id: number;
  /** The platform's id of it (mid, wamid; receipts by watermark or status id). */
  key: string;
  kind: InboundItem["kind"];
  attempts: number;
  lastError: string | null;
  /** When the webhook brought it (ISO 8601). */
  receivedAt: string;
}

/** The identity's link to a web person, made by a signed one-time channel-link ref. */
export interface IdentityLink {
  userId: string;
  conversationId: string;
  at: string;
}

export class InboxStore {
  constructor(private readonly sql: SqlStorage) {
    applyMigrations(sql, MIGRATIONS);
  }

  get(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM state WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  set(key: string, value: string): void {
    this.sql.exec("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  link(): IdentityLink | null {
    const value = this.get("link");
    return value ? (JSON.parse(value) as IdentityLink) : null;
  }

  /** Stores items not seen before; returns how many were new. */
  add(items: InboundItem[], now = Date.now()): number {
    this.sql.exec("DELETE FROM items WHERE status != 'pending' AND received_at < ?", now - KEEP_KEYS_MS);
    let added = 0;
    for (const item of items) {
      const result = this.sql.exec(
        "INSERT OR IGNORE INTO items (key, body, status, next_attempt_at, received_at) VALUES (?, ?, 'pending', ?, ?)",
        item.key,
        JSON.stringify(item),
        now,
        now,
      );
      added += result.rowsWritten > 0 ? 1 : 0;
    }
    return added;
  }

  head(): StoredItem | null {
    const row = this.sql
      .exec<{ id: number; body: string; attempts: number; next_attempt_at: number }>(
        "SELECT id, body, attempts, next_attempt_at FROM items WHERE status = 'pending' ORDER BY id LIMIT 1",
      )
      .toArray()[0];
    return row ? { id: row.id, item: JSON.parse(row.body) as InboundItem, attempts: row.attempts, nextAttemptAt: row.next_attempt_at } : null;
  }

  done(id: number): void {
    this.sql.exec("UPDATE items SET status = 'done', attempts = attempts + 1, last_error = NULL WHERE id = ?", id);
  }

  /** Records a failed attempt; returns whether the item will be tried again (never when `permanent`). */
  failed(id: number, error: string, permanent = false, now = Date.now()): boolean {
    const attempts = (this.sql.exec<{ attempts: number }>("SELECT attempts FROM items WHERE id = ?", id).toArray()[0]?.attempts ?? 0) + 1;
    const delay = permanent ? undefined : PROCESS_RETRY_MS[attempts - 1];
    this.sql.exec(
      "UPDATE items SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
      delay === undefined ? "failed" : "pending",
      attempts,
      error.slice(0, 1024),
      now + (delay ?? 0),
      id,
    );
    return delay !== undefined;
  }

  /** The items given up on (kept KEEP_KEYS_MS like every processed key), oldest first. */
  failedItems(): FailedItem[] {
    return this.sql
      .exec<{ id: number; key: string; body: string; attempts: number; last_error: string | null; received_at: number }>(
        "SELECT id, key, body, attempts, last_error, received_at FROM items WHERE status = 'failed' ORDER BY id LIMIT 100",
      )
      .toArray()
      .map((row) => ({
        id: row.id,
        key: row.key,
        kind: (JSON.parse(row.body) as InboundItem).kind,
        attempts: row.attempts,
        lastError: row.last_error,
        receivedAt: new Date(row.received_at).toISOString(),
      }));
  }

  /** Makes failed item `id` due now, with a fresh set of attempts; false when no failed item has that id. */
  retry(id: number, now = Date.now()): boolean {
    return this.sql.exec("UPDATE items SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ? AND status = 'failed'", now, id).rowsWritten > 0;
  }

  counts(): { pending: number; done: number; failed: number } {
    const out = { pending: 0, done: 0, failed: 0 };
    for (const row of this.sql.exec<{ status: keyof typeof out; n: number }>("SELECT status, COUNT(*) AS n FROM items GROUP BY status")) out[row.status] = row.n;
    return out;
  }
}
