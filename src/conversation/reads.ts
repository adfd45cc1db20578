// Per-device read cursors of one conversation. A cursor only moves forward.
// Kept in memory too (a thread has a handful of devices), read once: this
// class is the only writer of `reads`, so an append's "furthest read" and
// "where is this device" cost no SQL — only the cursor's own upsert.

interface Cursor {
  userId: string;
  seq: number;
}

export class ReadCursors {
  private cache: Map<string, Cursor> | null = null;

  constructor(private readonly sql: SqlStorage) {}

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
    return { seq, moved: true };
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
    this.sql.exec("UPDATE reads SET user_id = ? WHERE user_id = ?", toUserId, fromUserId);
    for (const cursor of this.load().values()) if (cursor.userId === fromUserId) cursor.userId = toUserId;
  }

  private load(): Map<string, Cursor> {
    this.cache ??= new Map(
      this.sql
        .exec<{ device_id: string; user_id: string; seq: number }>("SELECT device_id, user_id, seq FROM reads")
        .toArray()
        .map((r) => [r.device_id, { userId: r.user_id, seq: r.seq }]),
    );
    return this.cache;
  }
}
