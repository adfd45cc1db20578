// Guest threads being moved into this person, remembered until each
// Conversation DO has changed its owner, so an interrupted merge resumes.
export interface PendingThread {
  guestId: string;
  threadId: string;
}

export class PendingMerges {
  constructor(private readonly sql: SqlStorage) {}

  add(guestId: string, threadIds: string[]): void {
    this.sql.exec("INSERT OR IGNORE INTO merges (guest_id, confirmed) VALUES (?, 0)", guestId);
    for (const id of threadIds) {
      this.sql.exec("INSERT OR IGNORE INTO merge_threads (guest_id, thread_id) VALUES (?, ?)", guestId, id);
    }
  }

  threads(): PendingThread[] {
    return this.sql
      .exec<{ guest_id: string; thread_id: string }>("SELECT guest_id, thread_id FROM merge_threads")
      .toArray()
      .map((r) => ({ guestId: r.guest_id, threadId: r.thread_id }));
  }

  done(thread: PendingThread): void {
    this.sql.exec("DELETE FROM merge_threads WHERE guest_id = ? AND thread_id = ?", thread.guestId, thread.threadId);
  }

  /** Merges whose threads have all moved but whose guest has not been told yet. */
  unconfirmed(): string[] {
    return this.sql
      .exec<{ guest_id: string }>(
        `SELECT guest_id FROM merges WHERE confirmed = 0
         AND NOT EXISTS (SELECT 1 FROM merge_threads t WHERE t.guest_id = merges.guest_id)`,
      )
      .toArray()
      .map((r) => r.guest_id);
  }

  confirmed(guestId: string): void {
    this.sql.exec("UPDATE merges SET confirmed = 1 WHERE guest_id = ?", guestId);
  }
}
