// Expanding the outbox: each entry waiting in `outbox_entries` becomes one
// delivery row per sink that takes it, its body built once (every retry sends
// the same bytes), in the entry's order.
import { newId } from "../ids";
import { sinkKindOf, type OutboxEntry, type SinkKind, type StreamInfo } from "./sink";

/**
 * Turns entries into deliveries, oldest first (at most 200 per call); false
 * when a sink lookup failed (that entry and the rest wait for the next call).
 * Never run two at once on one table: two expansions of an entry would make
 * two deliveries (the outbox serialises them).
 */
export async function expandEntries(sql: SqlStorage, kinds: readonly SinkKind[], stream: StreamInfo): Promise<boolean> {
  const entries = sql.exec<{ n: number; entry: string }>("SELECT n, entry FROM outbox_entries ORDER BY n LIMIT 200").toArray();
  for (const row of entries) {
    const entry = JSON.parse(row.entry) as OutboxEntry;
    let sinks: string[];
    try {
      sinks = entry.only ? [entry.only] : (await Promise.all(kinds.map((k) => k.sinksFor(stream, entry)))).flat();
    } catch (err) {
      console.error("outbox: looking up sinks failed; retrying", err);
      return false;
    }
    const drafts: { id: string; sink: string; body: string }[] = [];
    for (const sink of sinks) {
      const kind = sinkKindOf(kinds, sink);
      if (!kind) continue;
      const prevSeq =
        entry.seq === undefined
          ? null
          : (sql.exec<{ last_seq: number }>("SELECT last_seq FROM outbox_sinks WHERE sink = ?", sink).toArray()[0]?.last_seq ?? null);
      const id = newId("msg");
      try {
        drafts.push({ id, sink, body: await kind.body(stream, sink, entry, { id, prevSeq }) });
      } catch (err) {
        // The sink went away between lookup and body (deleted): it gets nothing.
        console.warn(`outbox: no body for ${sink}`, err);
      }
    }
    const now = Date.now();
    for (const draft of drafts) {
      sql.exec(
        `INSERT INTO outbox_deliveries (id, sink, type, seq, body, status, next_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
        draft.id,
        draft.sink,
        entry.type,
        entry.seq ?? null,
        draft.body,
        now,
        now,
        now,
      );
      if (entry.seq !== undefined) {
        sql.exec(
          "INSERT INTO outbox_sinks (sink, last_seq) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET last_seq = excluded.last_seq",
          draft.sink,
          entry.seq,
        );
      }
    }
    sql.exec("DELETE FROM outbox_entries WHERE n = ?", row.n);
  }
  return true;
}
