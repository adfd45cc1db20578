// Broadcast read counting, from inside a Conversation DO: when a person's
// read cursor moves, the broadcast messages it passed are reported to D1.
// Cheap: one range query over the newly read events (by seq, the primary
// key), and a D1 write only when a broadcast message is among them.
import { recordBroadcastReads } from "./store";

/** Broadcast ids of the bot messages with from < seq ≤ to. */
export function broadcastsBetween(sql: SqlStorage, from: number, to: number): string[] {
  if (to <= from) return [];
  return sql
    .exec<{ b: string }>(
      `SELECT json_extract(body, '$.broadcastId') AS b FROM events
       WHERE seq > ? AND seq <= ? AND type = 'message.created' AND sender_role = 'bot'
         AND json_extract(body, '$.broadcastId') IS NOT NULL`,
      from,
      to,
    )
    .toArray()
    .map((r) => r.b);
}

/**
 * Reports that `userId` read the broadcasts passed between `from` and `to`.
 * Best effort (logged): the read counter is a statistic, the read cursor
 * itself is already committed.
 */
export function reportBroadcastReads(sql: SqlStorage, db: D1Database, userId: string, from: number, to: number): Promise<void> | null {
  const ids = broadcastsBetween(sql, from, to);
  if (ids.length === 0) return null;
  return recordBroadcastReads(db, userId, ids).catch((err: unknown) => {
    console.error(`recording broadcast reads for ${userId} failed`, err);
  });
}
