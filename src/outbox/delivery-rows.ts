// The outbox's tables in the host object's SQLite (entries waiting to be
// expanded, one row per delivery, each sink's last seq) and how a delivery
// row reads as the state listings show.
import type { DeliveryState } from "./sink";

export const SCHEMA = [
  `CREATE TABLE outbox_entries (n INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
   CREATE TABLE outbox_deliveries (
     n INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     sink TEXT NOT NULL,
     type TEXT NOT NULL,
     seq INTEGER,
     body TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER,
     in_flight INTEGER NOT NULL DEFAULT 0,
     last_status INTEGER,
     last_error TEXT,
     last_response TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     version INTEGER NOT NULL DEFAULT 1,
     recorded INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX outbox_pending ON outbox_deliveries (status, sink, n);
   CREATE TABLE outbox_sinks (sink TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);`,
];

/** At most this much of an answer is kept (API.md: lastResponse ≤ 1 KiB). */
export const MAX_RESPONSE_BYTES = 1024;

/**
 * The attempt columns an outbox delivery row and a row of the D1 deliveries
 * index (src/webhooks/deliveries-index.ts) share: same names, same meaning.
 */
export interface AttemptColumns {
  seq: number | null;
  status: DeliveryState["status"];
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_response: string | null;
}

/** A row of `outbox_deliveries` (times in ms since the epoch). */
export interface DeliveryRow extends AttemptColumns, Record<string, SqlStorageValue> {
  n: number;
  id: string;
  sink: string;
  type: string;
  body: string;
  next_at: number | null;
  created_at: number;
  version: number;
}

/** Cuts `text` to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max = MAX_RESPONSE_BYTES): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= max) return text;
  return new TextDecoder().decode(bytes.slice(0, max)).replace(/\uFFFD$/, "");
}

/** The attempt part of a delivery as listings show it, from either table's columns. */
export function attemptFields(row: AttemptColumns): Pick<DeliveryState, "seq" | "status" | "attempts" | "lastStatus" | "lastError" | "lastResponse"> {
  return {
    seq: row.seq,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastResponse: row.last_response,
  };
}

/** A delivery row as its state. */
export function deliveryStateOf(row: DeliveryRow): DeliveryState {
  return {
    id: row.id,
    sink: row.sink,
    type: row.type,
    ...attemptFields(row),
    nextAttemptAt: row.status === "pending" ? row.next_at : null,
    createdAt: row.created_at,
    version: row.version,
  };
}
