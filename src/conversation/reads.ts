// Per-device read cursors of one conversation. A cursor only moves forward.

export class ReadCursors {
  constructor(private readonly sql: SqlStorage) {}

  /** Moves the device's cursor to `seq` (never backwards); returns the cursor after the move. */
  mark(deviceId: string, userId: string, seq: number, now = new Date()): { seq: number; moved: boolean } {
    const before = this.sql
      .exec<{ seq: number }>("SELECT seq FROM reads WHERE device_id = ?", deviceId)
      .toArray()[0]?.seq;
    if (before !== undefined && before >= seq) return { seq: before, moved: false };
    this.sql.exec(
      `INSERT INTO reads (device_id, user_id, seq, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET seq = MAX(seq, excluded.seq), user_id = excluded.user_id, at = excluded.at`,
      deviceId,
      userId,
      seq,
      now.toISOString(),
    );
    return { seq, moved: true };
  }

  all(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.sql.exec<{ device_id: string; seq: number }>("SELECT device_id, seq FROM reads")) {
      out[row.device_id] = row.seq;
    }
    return out;
  }

  /** The furthest any of the user's devices has read. */
  ofUser(userId: string): number {
    return this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM reads WHERE user_id = ?", userId).one().s ?? 0;
  }

  /** After a guest merge the guest's cursors belong to the identified user. */
  reassign(fromUserId: string, toUserId: string): void {
    this.sql.exec("UPDATE reads SET user_id = ? WHERE user_id = ?", toUserId, fromUserId);
  }
}
