// Attachment records of one conversation, in its Durable Object's SQLite: an
// upload reserves its row before any byte reaches R2 (so even an upload that
// dies half-way is found and removed by the sweep), completes it with what
// was measured, and the first message that sends it marks it sent. Rows never
// sent are swept UNSENT_TTL_MS after the upload started.
import type { Attachment } from "../protocol/attachment";

/** Uploaded but never sent attachments are deleted after this long (24 h). */
export const UNSENT_TTL_MS = 24 * 60 * 60 * 1000;

export const ATTACHMENTS_SCHEMA = `CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('uploading', 'ready')),
  uploader_role TEXT NOT NULL,
  uploader_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_seq INTEGER,
  record TEXT
);
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE sent_seq IS NULL;`;

export interface AttachmentRow {
  id: string;
  status: "uploading" | "ready";
  uploaderRole: string;
  uploaderId: string;
  createdAt: number;
  sentSeq: number | null;
  record: Attachment | null;
}

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  status: string;
  uploader_role: string;
  uploader_id: string;
  created_at: number;
  sent_seq: number | null;
  record: string | null;
}

function fromRow(row: Row): AttachmentRow {
  return {
    id: row.id,
    status: row.status === "ready" ? "ready" : "uploading",
    uploaderRole: row.uploader_role,
    uploaderId: row.uploader_id,
    createdAt: row.created_at,
    sentSeq: row.sent_seq,
    record: row.record ? (JSON.parse(row.record) as Attachment) : null,
  };
}

export class AttachmentRecords {
  constructor(private readonly sql: SqlStorage) {}

  reserve(id: string, uploader: { role: string; id: string }, now: number): void {
    this.sql.exec(
      "INSERT INTO attachments (id, status, uploader_role, uploader_id, created_at) VALUES (?, 'uploading', ?, ?, ?)",
      id,
      uploader.role,
      uploader.id,
      now,
    );
  }

  /** Marks an upload stored; false when its row is gone (swept or discarded meanwhile). */
  complete(record: Attachment): boolean {
    return (
      this.sql.exec("UPDATE attachments SET status = 'ready', record = ? WHERE id = ? AND status = 'uploading'", JSON.stringify(record), record.id)
        .rowsWritten > 0
    );
  }

  get(id: string): AttachmentRow | null {
    const row = this.sql.exec<Row>("SELECT * FROM attachments WHERE id = ?", id).toArray()[0];
    return row ? fromRow(row) : null;
  }

  /** Records the first message that sent it; later sends keep the first seq. */
  markSent(id: string, seq: number): void {
    this.sql.exec("UPDATE attachments SET sent_seq = ? WHERE id = ? AND sent_seq IS NULL", seq, id);
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM attachments WHERE id = ?", id);
  }

  /** Ids of attachments never sent whose upload started at or before `cutoff` (epoch ms). */
  unsentBefore(cutoff: number, limit = 1000): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM attachments WHERE sent_seq IS NULL AND created_at <= ? ORDER BY created_at LIMIT ?", cutoff, limit)
      .toArray()
      .map((r) => r.id);
  }

  /** When the oldest never-sent attachment started uploading (epoch ms), or null. */
  oldestUnsent(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(created_at) AS at FROM attachments WHERE sent_seq IS NULL").one().at;
  }

  /** Ids of everything a customer of this thread uploaded (erasure). */
  uploadedByCustomers(): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM attachments WHERE uploader_role = 'customer'")
      .toArray()
      .map((r) => r.id);
  }
}
