// The broadcast watch: one small Durable Object per broadcast whose alarm
// looks at it every WATCH_MS until it has completed or been cancelled, and
// drives it again when it stalled; while nothing is due (a `localTime`
// broadcast can wait a day for its last timezone) the next look is WATCH_MS
// after the next recipient is due. Nothing else moves a broadcast but the
// messages on its queue (src/broadcast/fan-out.ts); a message that never
// arrives — the Worker died between the D1 write and the send, or the queue
// lost it (miniflare's local queues keep their messages in memory, so a
// restart of `npm run dev` drops them) — would leave it `scheduled` or
// `running` for ever. Driving again is safe: the tick dispatches only what is
// due and not dispatched, and each recipient's append is idempotent
// (clientId "broadcast:<id>"), so a message that was only late makes no
// second copy.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { finishIfDone } from "./completion";
import { startFanOut } from "./fan-out";
import { findBroadcast, type BroadcastRecord } from "./store";

/**
 * How often a watched broadcast is looked at while recipients are due (ms);
 * it has stalled when due recipients wait and none finished since the last
 * look. Longer than a paced slice's delay (≤ 60 s, fan-out.ts
 * PACED_WINDOW_S) plus its retries, so a broadcast that only moves slowly is
 * not driven twice for nothing.
 */
export const WATCH_MS = 90_000;

interface Watched {
  tenant: string;
  id: string;
  /** Recipients finished (delivered, failed or skipped) at the last look. */
  finished: number;
}

interface Progress {
  /** Recipients finished (delivered, failed or skipped). */
  finished: number;
  /** Recipients due by now that are not finished. */
  waiting: number;
  /** When the next unfinished recipient not yet due is due (ISO 8601); null when none is. */
  nextDue: string | null;
}

/** Where broadcast `id` stands at `now`, in one D1 query. */
async function progressOf(db: D1Database, id: string, now: Date): Promise<Progress> {
  const row = await db
    .prepare(
      `SELECT COUNT(*) FILTER (WHERE status IN ('delivered', 'failed', 'skipped')) AS finished,
              COUNT(*) FILTER (WHERE status IN ('pending', 'sending') AND due_at <= ?1) AS waiting,
              MIN(due_at) FILTER (WHERE status IN ('pending', 'sending') AND due_at > ?1) AS next_due
       FROM broadcast_recipients WHERE broadcast_id = ?2`,
    )
    .bind(now.toISOString(), id)
    .first<{ finished: number; waiting: number; next_due: string | null }>();
  return { finished: row?.finished ?? 0, waiting: row?.waiting ?? 0, nextDue: row?.next_due ?? null };
}

/**
 * When to look at `record` next: WATCH_MS from now while anything is waiting,
 * while its start is due but has not come (a `localTime` broadcast's first
 * tick is immediate), or when nothing is left (the next look forgets it).
 * Otherwise WATCH_MS after the next recipient is due: before then nothing
 * can stall, and due_at never changes once written. A `sendAt` broadcast's
 * recipients are due at its sendAt, so the look that drives a lost start
 * still comes a look after it.
 */
function nextLookAt(record: BroadcastRecord, progress: Progress, now: Date): number {
  const unstarted = record.status === "scheduled" && (record.sendAt === null || Date.parse(record.sendAt) <= now.getTime());
  if (progress.waiting > 0 || unstarted || progress.nextDue === null) return now.getTime() + WATCH_MS;
  return Math.max(now.getTime(), Date.parse(progress.nextDue)) + WATCH_MS;
}

/**
 * Drives `record` again: its unfinished recipients become undispatched, and
 * a tick (at its sendAt, if later) dispatches them anew.
 */
async function redrive(env: Env, record: BroadcastRecord): Promise<void> {
  await env.DB.prepare("UPDATE broadcast_recipients SET dispatched = 0 WHERE broadcast_id = ? AND dispatched = 1 AND status IN ('pending', 'sending')")
    .bind(record.id)
    .run();
  await startFanOut(env, record);
}

/** The Durable Object watching one broadcast (wrangler.toml BROADCAST_WATCH), named by watchName. */
export class BroadcastWatch extends DurableObject<Env> {
  /**
   * Starts watching broadcast `id` of `tenant`: the first look comes WATCH_MS
   * after `sendAt` (ISO 8601), or after now. Calling it again changes nothing.
   */
  async watch(tenant: string, id: string, sendAt: string | null): Promise<void> {
    if (await this.ctx.storage.get<Watched>("watched")) return;
    await this.ctx.storage.put("watched", { tenant, id, finished: 0 } satisfies Watched);
    const start = Math.max(Date.now(), sendAt ? Date.parse(sendAt) : 0);
    await this.ctx.storage.setAlarm(start + WATCH_MS);
  }

  override async alarm(): Promise<void> {
    const watched = await this.ctx.storage.get<Watched>("watched");
    const record = watched ? await findBroadcast(this.env.DB, watched.tenant, watched.id) : null;
    if (!watched || !record || record.status === "completed" || record.status === "cancelled") {
      await this.ctx.storage.deleteAll();
      return;
    }
    const now = new Date();
    const progress = await progressOf(this.env.DB, record.id, now);
    if (record.status === "scheduled") {
      // Its start was due a look ago and nothing started it: the tick is lost.
      if (record.sendAt === null || Date.parse(record.sendAt) + WATCH_MS <= now.getTime()) await redrive(this.env, record);
    } else if (progress.waiting > 0 && progress.finished === watched.finished) {
      console.warn(`broadcast ${record.id} stalled (${progress.waiting} recipients waiting); driving it again`);
      await redrive(this.env, record);
    } else if (progress.waiting === 0) {
      // Everything due is finished: completes it if nothing is left (a completion cut off by a crash).
      await finishIfDone(this.env, record.tenant, record.id);
    }
    await this.ctx.storage.put("watched", { ...watched, finished: progress.finished } satisfies Watched);
    await this.ctx.storage.setAlarm(nextLookAt(record, progress, now));
  }
}

/** The name of broadcast `id`'s watch object. */
export function watchName(tenant: string, id: string): string {
  return `${tenant}:${id}`;
}
