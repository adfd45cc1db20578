// The directory writes an InboxFeed shard gathers from its conversations
// between two flushes, written to D1 as ONE batch: with many busy threads a
// tenant pays a few D1 transactions a second per shard instead of one per
// thread per second. Each conversation waits for the batch holding its write
// (its "pushed" mark and its retry-by-alarm depend on D1 having the row).
import { weightOf, type DirectoryEntry, type DirectoryWrite } from "../directory/conversation-index";

/** Rows and texts per D1 batch (see weightOf); a longer backlog is written in several batches, one after another. */
export const MAX_WEIGHT_PER_BATCH = 1_000;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Waiting {
  write: DirectoryWrite;
  waiters: Waiter[];
}

/** Merges two writes of one conversation: the newer row, the text of both. */
function merged(older: DirectoryWrite, newer: DirectoryWrite): DirectoryWrite {
  const entry: DirectoryEntry = newer.entry.version >= older.entry.version ? newer.entry : older.entry;
  const texts = new Map([...older.texts, ...newer.texts].map((t) => [t.seq, t]));
  return { entry, texts: [...texts.values()].sort((a, b) => a.seq - b.seq) };
}

/** A shard's queue of directory writes, one entry per conversation. */
export class DirectoryWrites {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly upsert: (writes: DirectoryWrite[]) => Promise<void>) {}

  /** Conversations with a write waiting. */
  get size(): number {
    return this.waiting.size;
  }

  /** Queues `write`; resolves once a batch holding it is in D1, rejects if that batch failed. */
  add(write: DirectoryWrite): Promise<void> {
    const key = `${write.entry.tenant}:${write.entry.id}`;
    return new Promise<void>((resolve, reject) => {
      const current = this.waiting.get(key);
      if (current) {
        current.write = merged(current.write, write);
        current.waiters.push({ resolve, reject });
      } else {
        this.waiting.set(key, { write, waiters: [{ resolve, reject }] });
      }
    });
  }

  /**
   * Writes the oldest waiting writes (up to MAX_WEIGHT_PER_BATCH rows and
   * texts, at least one write) in one batch and settles their waiters.
   * @returns the rows now in D1 (empty after a failed batch, whose waiters were rejected).
   */
  async flushOnce(): Promise<DirectoryEntry[]> {
    const taken: Waiting[] = [];
    let weight = 0;
    for (const [key, w] of this.waiting) {
      const cost = weightOf(w.write);
      if (taken.length > 0 && weight + cost > MAX_WEIGHT_PER_BATCH) break;
      taken.push(w);
      weight += cost;
      this.waiting.delete(key);
    }
    try {
      await this.upsert(taken.map((w) => w.write));
    } catch (err) {
      for (const w of taken) for (const waiter of w.waiters) waiter.reject(err);
      return [];
    }
    for (const w of taken) for (const waiter of w.waiters) waiter.resolve();
    return taken.map((w) => w.write.entry);
  }
}
