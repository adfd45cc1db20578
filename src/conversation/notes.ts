// A conversation's internal notes, in their own table beside the event log:
// the customer log stays gap-free and has no way to carry one. Idempotent
// by the writer's clientId like messages.
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import type { Sender } from "../protocol/event";
import type { Note } from "../protocol/note";

interface NoteRow extends Record<string, SqlStorageValue> {
  n: number;
  id: string;
  after_seq: number;
  at: string;
  sender: string;
  text: string;
}

function rowToNote(row: NoteRow): Note {
  return { id: row.id, afterSeq: row.after_seq, at: row.at, sender: JSON.parse(row.sender) as Sender, text: row.text };
}

export class NotesStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Adds a note after event `afterSeq`. The same sender and clientId again
   * returns the first note (created: false); with other text it is a 409.
   */
  add(sender: Sender, clientId: string, text: string, afterSeq: number, now = new Date()): { note: Note; created: boolean } {
    const key = `${sender.role}:${sender.id}:${clientId}`;
    const existing = this.sql.exec<NoteRow>("SELECT * FROM notes WHERE idem_key = ?", key).toArray()[0];
    if (existing) {
      if (existing.text !== text) throw new ServiceError("conflict", `clientId ${clientId} was already used for a different note`);
      return { note: rowToNote(existing), created: false };
    }
    const note: Note = { id: newId("note"), afterSeq, at: now.toISOString(), sender, text };
    this.sql.exec(
      "INSERT INTO notes (id, idem_key, after_seq, at, sender, text) VALUES (?, ?, ?, ?, ?, ?)",
      note.id,
      key,
      note.afterSeq,
      note.at,
      JSON.stringify(sender),
      text,
    );
    return { note, created: true };
  }

  /** As `after`, with the cursor of the next page: the last note's id, or `after` when there is none. */
  page(after: string | null, limit: number): { notes: Note[]; cursor: string | null; hasMore: boolean } {
    const page = this.after(after, limit);
    return { ...page, cursor: page.notes.at(-1)?.id ?? after };
  }

  /** Notes written after the note `after` (all when null), oldest first. Unknown `after` → 400. */
  after(after: string | null, limit: number): { notes: Note[]; hasMore: boolean } {
    let from = 0;
    if (after !== null) {
      const row = this.sql.exec<{ n: number }>("SELECT n FROM notes WHERE id = ?", after).toArray()[0];
      if (!row) throw new ServiceError("invalid_request", "after is not a note of this conversation", { errors: [{ path: "after", message: "unknown note id" }] });
      from = row.n;
    }
    const rows = this.sql.exec<NoteRow>("SELECT * FROM notes WHERE n > ? ORDER BY n LIMIT ?", from, limit + 1).toArray();
    return { notes: rows.slice(0, limit).map(rowToNote), hasMore: rows.length > limit };
  }
}
