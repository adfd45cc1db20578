// Per-device read cursors of one conversation. A cursor only moves forward.
// Kept in memory too (a thread has a handful of devices), read once: this
// class is the only writer of `reads`, so an append's "furthest read" and
// "where is this device" cost no SQL.
// A customer's own message moves their device's cursor to it (markAppended):
// that move is carried by the event row itself (its `device` column, written
// by the same insert), so it costs no write of its own. The `reads` table
// records up to which seq it is (`reads_seq` in `meta`); after a wake the
// cursors past that checkpoint are derived from the log. It is brought up to
// date once the log is READS_FLUSH_EVERY events past the checkpoint (so that
// derivation reads a bounded stretch) and before a guest merge (reassign).
// Measurements: bench/BENCHMARKS.md, "Follow-up (branch perf-append-do)".

interface Cursor {
  userId: string;
  seq: number;
}

/** How far the log may run past the checkpoint of `reads` before it is written (events). */
export const READS_FLUSH_EVERY = 64;

export class ReadCursors {
  private cache: Map<string, Cursor> | null = null;
  /** Devices whose cursor in memory is ahead of their `reads` row. */
  private readonly dirty = new Set<string>();
  /** The seq `reads` is up to date with (`reads_seq`), read with the cursors. */
  private checkpoint = 0;

  /** `lastSeq` is the log's end (EventStore.lastSeq): the checkpoint a flush records. */
  constructor(
    private readonly sql: SqlStorage,
    private readonly lastSeq: () => number,
  ) {}

  /** Moves the device's cursor to `seq` (never backwards); returns the cursor after the move. */
  mark(deviceId: string, userId: string, seq: number, now = new Date()): { seq: number; moved: boolean } {
    const cursors = this.load();
    const before = cursors.get(deviceId)?.seq;
    if (before !== undefined && before >= seq) return { seq: before, moved: false };
    this.sql.exec(
      `INSERT INTO reads (device_id, user_id, seq, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET seq = MAX(seq, excluded.seq), user_id = excluded.user_id, at = excluded.at`,
      deviceId,
      userId,
      seq,
      now.toISOString(),
    );
    cursors.set(deviceId, { userId, seq });
    this.dirty.delete(deviceId);
    return { seq, moved: true };
  }

  /**
   * The device wrote event `seq` (its row names the device, committed in the
   * same synchronous step): its cursor moves there in memory only; `reads`
   * is written once the log is READS_FLUSH_EVERY events past its checkpoint.
   */
  markAppended(deviceId: string, userId: string, seq: number): void {
    const cursors = this.load();
    const before = cursors.get(deviceId)?.seq;
    if (before !== undefined && before >= seq) return;
    cursors.set(deviceId, { userId, seq });
    this.dirty.add(deviceId);
    if (seq - this.checkpoint >= READS_FLUSH_EVERY) this.flush();
  }

  all(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [deviceId, cursor] of this.load()) out[deviceId] = cursor.seq;
    return out;
  }

  /** The furthest any of the user's devices has read. */
  ofUser(userId: string): number {
    let furthest = 0;
    for (const cursor of this.load().values()) if (cursor.userId === userId && cursor.seq > furthest) furthest = cursor.seq;
    return furthest;
  }

  /** After a guest merge the guest's cursors belong to the identified user. */
  reassign(fromUserId: string, toUserId: string): void {
    // Written down first: the events past the checkpoint name the guest as their sender.
    this.flush();
    this.sql.exec("UPDATE reads SET user_id = ? WHERE user_id = ?", toUserId, fromUserId);
    for (const cursor of this.load().values()) if (cursor.userId === fromUserId) cursor.userId = toUserId;
  }

  /** Writes every cursor ahead of its row, and the log's end as the checkpoint. */
  private flush(): void {
    const cursors = this.load();
    const now = new Date().toISOString();
    for (const deviceId of this.dirty) {
      const cursor = cursors.get(deviceId)!;
      this.sql.exec(
        `INSERT INTO reads (device_id, user_id, seq, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET seq = MAX(seq, excluded.seq), user_id = excluded.user_id, at = excluded.at`,
        deviceId,
        cursor.userId,
        cursor.seq,
        now,
      );
    }
    this.checkpoint = this.lastSeq();
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('reads_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(this.checkpoint),
    );
    this.dirty.clear();
  }

  /** The cursors: `reads`, then the moves the events past its checkpoint carry (each device's furthest own message). */
  private load(): Map<string, Cursor> {
    if (this.cache) return this.cache;
    const cursors = new Map(
      this.sql
        .exec<{ device_id: string; user_id: string; seq: number }>("SELECT device_id, user_id, seq FROM reads")
        .toArray()
        .map((r) => [r.device_id, { userId: r.user_id, seq: r.seq }]),
    );
    this.checkpoint = this.sql.exec<{ seq: number }>("SELECT CAST(value AS INTEGER) AS seq FROM meta WHERE key = 'reads_seq'").toArray()[0]?.seq ?? 0;
    const moved = this.sql
      .exec<{ device: string; seq: number; user_id: string }>(
        `SELECT device, MAX(seq) AS seq, json_extract(body, '$.sender.id') AS user_id
         FROM events WHERE seq > ? AND device IS NOT NULL GROUP BY device`,
        this.checkpoint,
      )
      .toArray();
    for (const m of moved) {
      if ((cursors.get(m.device)?.seq ?? -1) >= m.seq) continue;
      cursors.set(m.device, { userId: m.user_id, seq: m.seq });
      this.dirty.add(m.device);
    }
    this.cache = cursors;
    // A long stretch read (messages of the business only move no cursor): the next wake starts past it.
    if (this.lastSeq() - this.checkpoint >= READS_FLUSH_EVERY) this.flush();
    return cursors;
  }
}
