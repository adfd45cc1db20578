// The broadcast fan-out on Cloudflare Queues (binding BROADCASTS). Two kinds
// of message, both a few hundred bytes to a few KB (the content stays in D1):
//
// - tick: pages due recipients out of D1 and enqueues them in slices, paced
//   by maxPerSecond; re-enqueues itself (with a delay) while recipients
//   remain to be dispatched, e.g. for sendAt or localTime.
// - deliver: one slice of recipients. Each group of the slice is claimed in
//   D1 (subscription checked again, cancel honoured), appended to each
//   recipient's thread with clientId "broadcast:<id>" (idempotent in the
//   Conversation DO), then marked delivered or failed. A redelivered or
//   crashed slice re-claims only what is not finished, and the append's
//   idempotency key makes a second copy impossible.
//
// Queue limits respected (https://developers.cloudflare.com/queues/platform/limits/):
// - message size 128 KB: a deliver message holds at most SLICE_SIZE user ids
//   (≤ 128 characters each, so ≤ ~6 KB); the content is read from D1;
// - sendBatch: at most 100 messages and 256 KB per call (SEND_BATCH_MAX);
// - delaySeconds at most 12 h (MAX_DELAY_S): later starts re-tick;
// - subrequests per invocation (1,000 on Workers Paid): a consumer batch is
//   at most max_batch_size = 10 messages (wrangler.toml); a deliver message
//   costs 1 + 2 × SLICE_SIZE / GROUP_SIZE + ≤ 6 (completion) D1 calls and
//   SLICE_SIZE DO calls = 1 + 8 + 6 + 40 = 55, so a batch stays ≤ 550.
import { customerStub } from "../directory/stubs";
import * as z from "../zod";
import type { Env } from "../env";
import { CompletionBusy, finishIfDone } from "./completion";
import { findBroadcast, type BroadcastRecord } from "./store";

/** Queue names as in wrangler.toml. */
export const BROADCAST_QUEUE = "carryover-broadcasts";
export const BROADCAST_DEAD_LETTER_QUEUE = "carryover-broadcasts-dlq";

/** Recipients per deliver message. */
export const SLICE_SIZE = 40;
/** Recipients claimed and delivered together (in parallel) inside a slice; also the most a cancel can leave in flight per running consumer message. */
export const GROUP_SIZE = 10;
/** Recipients one tick dispatches at most. */
export const PAGE_SIZE = 1000;
/** Messages per sendBatch (the Queues limit is 100 messages / 256 KB). */
const SEND_BATCH_MAX = 100;
/** The longest delaySeconds Queues accept. */
const MAX_DELAY_S = 12 * 60 * 60;
/** With maxPerSecond, one tick dispatches at most this many seconds' worth. */
const PACED_WINDOW_S = 60;

const UserIds = z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.minLength(1), z.maxLength(SLICE_SIZE));

/** A message on the BROADCASTS queue (checked with zod when consumed: queues are an input edge too). */
export const BroadcastMessage = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("tick"), tenant: z.string(), broadcastId: z.string() }),
  z.strictObject({ type: z.literal("deliver"), tenant: z.string(), broadcastId: z.string(), userIds: UserIds }),
]);
export type BroadcastMessage = z.infer<typeof BroadcastMessage>;

/** Starts (or, for sendAt/localTime, schedules) the fan-out of a created broadcast. */
export async function startFanOut(env: Env, record: BroadcastRecord, now = new Date()): Promise<void> {
  if (record.status === "completed") return;
  const message: BroadcastMessage = { type: "tick", tenant: record.tenant, broadcastId: record.id };
  await env.BROADCASTS.send(message, { delaySeconds: delayUntil(record.sendAt, now) });
}

function delayUntil(iso: string | null, now: Date): number {
  if (!iso) return 0;
  return Math.min(MAX_DELAY_S, Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / 1000)));
}

/**
 * A fault point for tests, passed only by the dev entry (src/dev/worker.ts,
 * src/broadcast/faults.ts): called with how many recipients a group appended,
 * after the appends and before they are recorded — the worst moment for a
 * crash. What it throws fails that message like any error (retried).
 */
export type AfterAppends = (delivered: number) => void;

/** The Worker's queue handler for both the broadcast queue and its dead-letter queue. */
export async function handleBroadcastBatch(batch: MessageBatch<unknown>, env: Env, afterAppends?: AfterAppends): Promise<void> {
  const deadLetters = batch.queue === BROADCAST_DEAD_LETTER_QUEUE;
  await Promise.all(
    batch.messages.map(async (msg) => {
      const parsed = BroadcastMessage.safeParse(msg.body);
      if (!parsed.success) {
        console.error("dropping a malformed broadcast message", parsed.error.message);
        msg.ack();
        return;
      }
      try {
        if (deadLetters) await giveUp(env, parsed.data);
        else if (parsed.data.type === "tick") await tick(env, parsed.data);
        else await deliverSlice(env, parsed.data, afterAppends);
        msg.ack();
      } catch (err) {
        if (err instanceof CompletionBusy) {
          // Another consumer is announcing the completion; look again after its lease.
          msg.retry({ delaySeconds: 60 });
          return;
        }
        console.error(`broadcast ${parsed.data.broadcastId} ${parsed.data.type} failed; retrying`, err);
        msg.retry({ delaySeconds: 1 });
      }
    }),
  );
}

async function tick(env: Env, msg: Extract<BroadcastMessage, { type: "tick" }>, now = new Date()): Promise<void> {
  const db = env.DB;
  const record = await findBroadcast(db, msg.tenant, msg.broadcastId);
  if (!record || record.status === "completed" || record.status === "cancelled") return;
  if (record.status === "scheduled") {
    if (record.sendAt && new Date(record.sendAt) > now) {
      await env.BROADCASTS.send(msg, { delaySeconds: delayUntil(record.sendAt, now) });
      return;
    }
    await db
      .prepare("UPDATE broadcasts SET status = 'running', started_at = ? WHERE id = ? AND status = 'scheduled'")
      .bind(now.toISOString(), record.id)
      .run();
  }
  const pace = record.maxPerSecond;
  const limit = pace ? Math.min(PAGE_SIZE, pace * PACED_WINDOW_S) : PAGE_SIZE;
  const due = await db
    .prepare(
      `SELECT user_id FROM broadcast_recipients WHERE broadcast_id = ? AND dispatched = 0 AND due_at <= ?
       ORDER BY due_at, user_id LIMIT ?`,
    )
    .bind(record.id, now.toISOString(), limit)
    .all<{ user_id: string }>();
  const ids = due.results.map((r) => r.user_id);
  // Paced: a tenth of a second's worth per slice, so a second holds at most about one slice more than the pace.
  const sliceSize = pace ? Math.min(SLICE_SIZE, Math.ceil(pace / 10)) : SLICE_SIZE;
  const messages: MessageSendRequest<BroadcastMessage>[] = [];
  for (let i = 0; i < ids.length; i += sliceSize) {
    messages.push({
      body: { type: "deliver", tenant: record.tenant, broadcastId: record.id, userIds: ids.slice(i, i + sliceSize) },
      // Pacing: slice k starts k * sliceSize / maxPerSecond seconds from now.
      ...(pace ? { delaySeconds: Math.floor(i / pace) } : {}),
    });
  }
  // Enqueue before marking: a crash in between re-dispatches (harmless, the
  // delivery is idempotent) instead of losing recipients.
  for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) {
    await env.BROADCASTS.sendBatch(messages.slice(i, i + SEND_BATCH_MAX));
  }
  if (ids.length > 0) {
    await db
      .prepare(
        "UPDATE broadcast_recipients SET dispatched = 1 WHERE broadcast_id = ? AND user_id IN (SELECT value FROM json_each(?))",
      )
      .bind(record.id, JSON.stringify(ids))
      .run();
  }
  const next = await db
    .prepare("SELECT MIN(due_at) AS due FROM broadcast_recipients WHERE broadcast_id = ? AND dispatched = 0")
    .bind(record.id)
    .first<{ due: string | null }>();
  if (next?.due) {
    const paced = pace ? Math.ceil(ids.length / pace) : 0;
    await env.BROADCASTS.send(msg, { delaySeconds: Math.max(paced, delayUntil(next.due, now)) });
  } else {
    // Everything dispatched: if nothing was (all skipped meanwhile), finish here.
    await finishIfDone(env, record.tenant, record.id);
  }
}

interface Outcome {
  userId: string;
  ok: boolean;
  conversationId?: string;
  seq?: number;
  reason?: string;
}

/**
 * Reserves the start of a paced slice of `size` recipients (ms since the
 * epoch): the broadcast's next free start, or now if that is past; the one
 * after it is `size / maxPerSecond` seconds later. One atomic D1 statement,
 * so however the queue hands slices over (several in one batch when their
 * delays came due within max_batch_timeout, late, or to consumers running
 * side by side) slices start evenly at maxPerSecond; with slices of a
 * tenth of a second's worth (tick), a second holds about one slice more at
 * most (the one whose deliveries run over from the second before).
 */
async function sliceStart(db: D1Database, broadcastId: string, maxPerSecond: number, size: number, now = Date.now()): Promise<number> {
  const spacing = (size * 1000) / maxPerSecond;
  const row = await db
    .prepare("UPDATE broadcasts SET next_slice_at = MAX(COALESCE(next_slice_at, 0), ?1) + ?2 WHERE id = ?3 RETURNING next_slice_at - ?2 AS start")
    .bind(now, spacing, broadcastId)
    .first<{ start: number }>();
  return row?.start ?? now;
}

async function deliverSlice(env: Env, msg: Extract<BroadcastMessage, { type: "deliver" }>, afterAppends?: AfterAppends): Promise<void> {
  const db = env.DB;
  const record = await findBroadcast(db, msg.tenant, msg.broadcastId);
  if (!record) return;
  if (record.maxPerSecond) {
    // The queue's delays keep the wait short: a slice comes due about when its start is.
    const wait = (await sliceStart(db, record.id, record.maxPerSecond, msg.userIds.length)) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  let failure: unknown = null;
  for (let i = 0; i < msg.userIds.length; i += GROUP_SIZE) {
    const group = msg.userIds.slice(i, i + GROUP_SIZE);
    const claimed = await claim(db, record, group);
    if (claimed.length === 0) continue;
    const settled = await Promise.allSettled(claimed.map((userId) => deliverOne(env, record, userId)));
    const outcomes: Outcome[] = [];
    settled.forEach((s) => {
      if (s.status === "fulfilled") outcomes.push(s.value);
      // An infrastructure error: the row stays `sending` and the message is retried.
      else failure = s.reason;
    });
    // A test's crash here: the redelivered slice must not make second copies.
    afterAppends?.(outcomes.filter((o) => o.ok).length);
    await recordOutcomes(db, record.id, outcomes);
  }
  if (failure) throw failure;
  await finishIfDone(env, record.tenant, record.id);
}

/**
 * Claims a group for delivery in one D1 transaction: pending recipients who
 * opted out are skipped ("unsubscribed"); the rest, and rows a crashed
 * consumer left `sending`, become `sending` — only while the broadcast is
 * running, so nothing pending is claimed after a cancel. Rows left `sending`
 * by a crash are finished after a cancel too: they were in flight when it
 * came (counted in its `inFlight`), and the idempotent append settles
 * whether they had arrived.
 */
async function claim(db: D1Database, record: BroadcastRecord, group: string[]): Promise<string[]> {
  const at = new Date().toISOString();
  const ids = JSON.stringify(group);
  const [, claimed] = await db.batch([
    db
      .prepare(
        `UPDATE broadcast_recipients SET status = 'skipped', reason = 'unsubscribed', updated_at = ?
         WHERE broadcast_id = ? AND user_id IN (SELECT value FROM json_each(?)) AND status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.tenant = ? AND s.topic = ? AND s.user_id = broadcast_recipients.user_id)`,
      )
      .bind(at, record.id, ids, record.tenant, record.topic),
    db
      .prepare(
        `UPDATE broadcast_recipients SET status = 'sending', updated_at = ?3
         WHERE broadcast_id = ?1 AND user_id IN (SELECT value FROM json_each(?2))
           AND ((status IN ('pending', 'sending') AND (SELECT status FROM broadcasts WHERE id = ?1) = 'running')
             OR (status = 'sending' AND (SELECT status FROM broadcasts WHERE id = ?1) = 'cancelled'))
         RETURNING user_id`,
      )
      .bind(record.id, ids, at),
  ]);
  return (claimed!.results as { user_id: string }[]).map((r) => r.user_id);
}

async function deliverOne(env: Env, record: BroadcastRecord, userId: string): Promise<Outcome> {
  const customer = customerStub(env, record.tenant, userId);
  const result = await customer.deliverBroadcast({
    tenant: record.tenant,
    userId,
    broadcastId: record.id,
    content: record.content,
  });
  if (!result.ok) return { userId, ok: false, reason: result.error.code };
  return { userId, ok: true, conversationId: result.value.conversationId, seq: result.value.seq };
}

/** Marks claimed rows delivered or failed; only rows still `sending`, so a replay changes nothing. */
async function recordOutcomes(db: D1Database, broadcastId: string, outcomes: Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const at = new Date().toISOString();
  await db.batch(
    outcomes.map((o) =>
      o.ok
        ? db
            .prepare(
              `UPDATE broadcast_recipients SET status = 'delivered', conversation_id = ?, seq = ?, updated_at = ?
               WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'`,
            )
            .bind(o.conversationId ?? null, o.seq ?? null, at, broadcastId, o.userId)
        : db
            .prepare(
              `UPDATE broadcast_recipients SET status = 'failed', reason = ?, updated_at = ?
               WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'`,
            )
            .bind(o.reason ?? "unknown", at, broadcastId, o.userId),
    ),
  );
}

/**
 * A message that exhausted its retries (wrangler.toml max_retries): its
 * unfinished recipients fail with reason "dead_letter", so the broadcast
 * still completes with exact counters instead of running forever.
 */
async function giveUp(env: Env, msg: BroadcastMessage): Promise<void> {
  const record = await findBroadcast(env.DB, msg.tenant, msg.broadcastId);
  if (!record) return;
  const at = new Date().toISOString();
  if (msg.type === "deliver") {
    await env.DB.prepare(
      `UPDATE broadcast_recipients SET status = 'failed', reason = 'dead_letter', updated_at = ?
       WHERE broadcast_id = ? AND user_id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'sending')`,
    )
      .bind(at, record.id, JSON.stringify(msg.userIds))
      .run();
  } else {
    await env.DB.prepare(
      `UPDATE broadcast_recipients SET status = 'failed', reason = 'dead_letter', updated_at = ?
       WHERE broadcast_id = ? AND dispatched = 0 AND status = 'pending'`,
    )
      .bind(at, record.id)
      .run();
  }
  await finishIfDone(env, record.tenant, record.id);
}
