// One person's conversation list: which threads are theirs and what each
// shows (last event, unread), refreshed from the Conversation DOs when read.
import type { Event } from "../protocol/event";
import type { ThreadSummary } from "../protocol/thread";

interface ThreadRow extends Record<string, SqlStorageValue> {
  id: string;
  status: string;
  last_seq: number;
  read_seq: number;
  unread: number;
  last_event: string | null;
  updated_at: string;
}

function rowToSummary(row: ThreadRow): ThreadSummary {
  return {
    id: row.id,
    status: row.status as ThreadSummary["status"],
    lastSeq: row.last_seq,
    readSeq: row.read_seq,
    unread: row.unread,
    lastEvent: row.last_event ? (JSON.parse(row.last_event) as Event) : null,
    updatedAt: row.updated_at,
  };
}

export class ThreadList {
  constructor(private readonly sql: SqlStorage) {}

  add(id: string, now = new Date()): void {
    const at = now.toISOString();
    this.sql.exec(
      "INSERT OR IGNORE INTO threads (id, status, created_at, updated_at) VALUES (?, 'open', ?, ?)",
      id,
      at,
      at,
    );
  }

  has(id: string): boolean {
    return this.sql.exec("SELECT 1 FROM threads WHERE id = ?", id).toArray().length > 0;
  }

  /**
   * The thread a new chat continues: the person's most recently active
   * thread (last event, or creation for an empty one) — a resolved or snoozed
   * one too, since a customer message reopens it ("closed" was the first
   * release's word for resolved threads that were never reopened). A person
   * can hold several (a guest thread per device, merged at sign-in); the
   * others stay listed (GET /v1/me/conversations, "Earlier conversations").
   */
  open(): string | null {
    return (
      this.sql
        .exec<{ id: string }>("SELECT id FROM threads WHERE status != 'closed' ORDER BY updated_at DESC, created_at DESC LIMIT 1")
        .toArray()[0]?.id ?? null
    );
  }

  /** Stores a summary unless an equal or newer one is already there. */
  record(s: ThreadSummary): void {
    this.sql.exec(
      `INSERT INTO threads (id, status, last_seq, read_seq, unread, last_event, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, last_seq = excluded.last_seq,
         read_seq = excluded.read_seq, unread = excluded.unread, last_event = excluded.last_event,
         updated_at = excluded.updated_at
       WHERE excluded.last_seq > threads.last_seq OR excluded.read_seq > threads.read_seq
         OR excluded.status != threads.status`,
      s.id,
      s.status,
      s.lastSeq,
      s.readSeq,
      s.unread,
      s.lastEvent ? JSON.stringify(s.lastEvent) : null,
      s.updatedAt,
      s.updatedAt,
    );
  }

  list(): ThreadSummary[] {
    return this.sql.exec<ThreadRow>("SELECT * FROM threads ORDER BY updated_at DESC").toArray().map(rowToSummary);
  }

  ids(): string[] {
    return this.sql.exec<{ id: string }>("SELECT id FROM threads").toArray().map((r) => r.id);
  }
}
