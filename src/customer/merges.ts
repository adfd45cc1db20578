// Guest threads being moved into this person, remembered until each
// Conversation DO has changed its owner, so an interrupted merge resumes.
import type { Result } from "../protocol/result";
import type { ThreadSummary } from "../protocol/thread";

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

export interface MergeSteps {
  /** Changes the owner in the thread's Conversation DO; idempotent. */
  reassign(thread: PendingThread): Promise<Result<ThreadSummary>>;
  /** Tells the guest's Customer DO that the merge is final. */
  confirm(guestId: string): Promise<void>;
  /** Puts a moved thread in this person's list. */
  record(summary: ThreadSummary): void;
}

/**
 * Moves every pending guest thread, then confirms each merge whose threads
 * have all moved. Throws on the first failure, leaving the rest pending.
 */
export async function finishMerges(pending: PendingMerges, steps: MergeSteps): Promise<void> {
  for (const thread of pending.threads()) {
    const moved = await steps.reassign(thread);
    if (moved.ok) steps.record(moved.value);
    else console.warn(`guest thread ${thread.threadId} was not the guest's (${moved.error.code}); skipped`);
    pending.done(thread);
  }
  for (const guestId of pending.unconfirmed()) {
    await steps.confirm(guestId);
    pending.confirmed(guestId);
  }
}
