// Broadcasts and their recipients in D1: create (the audience is frozen into
// broadcast_recipients in the same transaction as the broadcast row),
// estimate, counters, list, cancel, and the exact completion transition.
import type { Content } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { labelExprSql, type LabelExpr } from "./label-expr";
import { nextLocalTime } from "./local-time";

export type BroadcastStatus = "scheduled" | "running" | "completed" | "cancelled";

/** A broadcast as the API shows it (API.md "Broadcast", plus docs/API.md "People, topics and broadcasts extensions"). */
export interface BroadcastView {
  id: string;
  status: BroadcastStatus;
  topic: string;
  content: Content;
  audience: { labels: LabelExpr } | null;
  sendAt: string | null;
  localTime: string | null;
  maxPerSecond: number | null;
  total: number;
  delivered: number;
  skipped: number;
  /** Skipped recipients by reason: `unsubscribed` (opted out before their turn), `cancelled`. */
  skippedReasons: Record<string, number>;
  failed: number;
  /** Failed recipients by error code (e.g. `dead_letter`, `not_found`). */
  failedReasons: Record<string, number>;
  /** Recipients whose read cursor passed the broadcast message. */
  read: number;
  /** Recipients not delivered, skipped or failed yet (0 once completed). */
  pending: number;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  cancelledAt?: string;
}

/** What the fan-out needs of a broadcast. */
export interface BroadcastRecord {
  id: string;
  tenant: string;
  topic: string;
  content: Content;
  audience: { labels: LabelExpr } | null;
  status: BroadcastStatus;
  sendAt: string | null;
  localTime: string | null;
  maxPerSecond: number | null;
  total: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
}

interface BroadcastRow {
  id: string;
  tenant: string;
  topic: string;
  content: string;
  audience: string | null;
  status: BroadcastStatus;
  send_at: string | null;
  local_time: string | null;
  max_per_second: number | null;
  total: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
}

interface CounterRow {
  broadcast_id: string;
  status: string;
  reason: string | null;
  n: number;
  r: number;
}

function rowToRecord(row: BroadcastRow): BroadcastRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    topic: row.topic,
    content: JSON.parse(row.content) as Content,
    audience: row.audience ? (JSON.parse(row.audience) as { labels: LabelExpr }) : null,
    status: row.status,
    sendAt: row.send_at,
    localTime: row.local_time,
    maxPerSecond: row.max_per_second,
    total: row.total,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    cancelledAt: row.cancelled_at,
  };
}

function viewOf(record: BroadcastRecord, counters: CounterRow[]): BroadcastView {
  const view: BroadcastView = {
    id: record.id,
    status: record.status,
    topic: record.topic,
    content: record.content,
    audience: record.audience,
    sendAt: record.sendAt,
    localTime: record.localTime,
    maxPerSecond: record.maxPerSecond,
    total: record.total,
    delivered: 0,
    skipped: 0,
    skippedReasons: {},
    failed: 0,
    failedReasons: {},
    read: 0,
    pending: 0,
    createdAt: record.createdAt,
  };
  for (const row of counters) {
    view.read += row.r;
    if (row.status === "delivered") view.delivered += row.n;
    else if (row.status === "skipped") {
      view.skipped += row.n;
      view.skippedReasons[row.reason ?? "unknown"] = (view.skippedReasons[row.reason ?? "unknown"] ?? 0) + row.n;
    } else if (row.status === "failed") {
      view.failed += row.n;
      view.failedReasons[row.reason ?? "unknown"] = (view.failedReasons[row.reason ?? "unknown"] ?? 0) + row.n;
    } else view.pending += row.n;
  }
  if (record.startedAt) view.startedAt = record.startedAt;
  if (record.completedAt) view.completedAt = record.completedAt;
  if (record.cancelledAt) view.cancelledAt = record.cancelledAt;
  return view;
}

const COUNTERS = `SELECT broadcast_id, status, reason, COUNT(*) AS n, SUM(read_at IS NOT NULL) AS r
  FROM broadcast_recipients WHERE broadcast_id IN (SELECT value FROM json_each(?)) GROUP BY broadcast_id, status, reason`;

/**
 * The audience of a broadcast: people subscribed to `topic` whose labels
 * match `labels`. A subscriber not (yet) in the people index has no labels
 * and the UTC timezone. One query shape for estimate and create, so the
 * estimate equals what create freezes.
 */
function audienceSql(labels: LabelExpr | undefined): { from: string; params: string[] } {
  const expr = labels === undefined ? null : labelExprSql(labels, "COALESCE(p.labels, '[]')");
  return {
    from: `FROM subscriptions s LEFT JOIN people p ON p.tenant = s.tenant AND p.user_id = s.user_id
      WHERE s.tenant = ? AND s.topic = ?${expr ? ` AND ${expr.sql}` : ""}`,
    params: expr?.params ?? [],
  };
}

/** How many people a broadcast with this topic and audience would reach now. */
export async function estimateAudience(db: D1Database, tenant: string, topic: string, labels: LabelExpr | undefined): Promise<number> {
  const audience = audienceSql(labels);
  const row = await db
    .prepare(`SELECT COUNT(*) AS n ${audience.from}`)
    .bind(tenant, topic, ...audience.params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** A broadcast to create (already validated; `labels` checked by parseLabelExpr). */
export interface CreateInput {
  id: string;
  tenant: string;
  topic: string;
  content: Content;
  labels?: LabelExpr;
  sendAt?: string;
  localTime?: string;
  maxPerSecond?: number;
}

/**
 * Creates the broadcast and freezes its audience in one D1 transaction.
 * Each recipient's `due_at` is the broadcast's start, or for `localTime` the
 * next time the clock shows it in the person's timezone (UTC when unset).
 * A broadcast with no recipients is `completed` at once.
 */
export async function createBroadcast(db: D1Database, input: CreateInput, now = new Date()): Promise<BroadcastRecord> {
  const at = now.toISOString();
  const start = input.sendAt && new Date(input.sendAt) > now ? new Date(input.sendAt) : now;
  const audience = audienceSql(input.labels);
  const dueByZone: Record<string, string> = {};
  if (input.localTime) {
    const zones = await db
      .prepare(`SELECT DISTINCT COALESCE(p.timezone, 'UTC') AS tz ${audience.from}`)
      .bind(input.tenant, input.topic, ...audience.params)
      .all<{ tz: string }>();
    for (const { tz } of zones.results) dueByZone[tz] = nextLocalTime(input.localTime, tz, start).toISOString();
  }
  const fallbackDue = input.localTime ? nextLocalTime(input.localTime, "UTC", start).toISOString() : start.toISOString();
  const status: BroadcastStatus = input.sendAt || input.localTime ? "scheduled" : "running";
  await db.batch([
    db
      .prepare(
        `INSERT INTO broadcasts (id, tenant, topic, content, audience, status, send_at, local_time, max_per_second, created_at, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        input.id,
        input.tenant,
        input.topic,
        JSON.stringify(input.content),
        input.labels === undefined ? null : JSON.stringify({ labels: input.labels }),
        status,
        input.sendAt ?? null,
        input.localTime ?? null,
        input.maxPerSecond ?? null,
        at,
        status === "running" ? at : null,
      ),
    // The json path quotes the zone name: IANA names contain '/', '-', '+'.
    db
      .prepare(
        `INSERT INTO broadcast_recipients (broadcast_id, user_id, due_at)
         SELECT ?, s.user_id, COALESCE(json_extract(?, '$."' || COALESCE(p.timezone, 'UTC') || '"'), ?) ${audience.from}`,
      )
      .bind(input.id, JSON.stringify(dueByZone), fallbackDue, input.tenant, input.topic, ...audience.params),
    db
      .prepare(
        `UPDATE broadcasts SET total = (SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1),
           status = CASE WHEN (SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1) = 0 THEN 'completed' ELSE status END,
           completed_at = CASE WHEN (SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1) = 0 THEN ?2 ELSE NULL END,
           started_at = CASE WHEN (SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1) = 0 THEN ?2 ELSE started_at END
         WHERE id = ?1`,
      )
      .bind(input.id, at),
  ]);
  const record = await findBroadcast(db, input.tenant, input.id);
  if (!record) throw new Error(`broadcast ${input.id} vanished after create`);
  return record;
}

/** The broadcast `id` of `tenant` (another tenant's id is null), without counters. */
export async function findBroadcast(db: D1Database, tenant: string, id: string): Promise<BroadcastRecord | null> {
  const row = await db.prepare("SELECT * FROM broadcasts WHERE id = ? AND tenant = ?").bind(id, tenant).first<BroadcastRow>();
  return row ? rowToRecord(row) : null;
}

/** The broadcast with live counters. @throws ServiceError not_found */
export async function broadcastView(db: D1Database, tenant: string, id: string): Promise<BroadcastView> {
  const [rows, counters] = await db.batch([
    db.prepare("SELECT * FROM broadcasts WHERE id = ? AND tenant = ?").bind(id, tenant),
    db.prepare(COUNTERS).bind(JSON.stringify([id])),
  ]);
  const row = rows!.results[0] as BroadcastRow | undefined;
  if (!row) throw new ServiceError("not_found", `no broadcast ${id}`);
  return viewOf(rowToRecord(row), counters!.results as CounterRow[]);
}

/** Newest first; `after` is the id of the previous page's last row. */
export async function listBroadcasts(
  db: D1Database,
  tenant: string,
  query: { status?: BroadcastStatus; after?: { createdAt: string; id: string }; limit: number },
): Promise<{ broadcasts: BroadcastView[]; last: { createdAt: string; id: string } | null }> {
  const where = ["tenant = ?"];
  const params: (string | number)[] = [tenant];
  if (query.status) {
    where.push("status = ?");
    params.push(query.status);
  }
  if (query.after) {
    where.push("(created_at < ? OR (created_at = ? AND id < ?))");
    params.push(query.after.createdAt, query.after.createdAt, query.after.id);
  }
  params.push(query.limit + 1);
  const rows = await db
    .prepare(`SELECT * FROM broadcasts WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...params)
    .all<BroadcastRow>();
  const page = rows.results.slice(0, query.limit).map(rowToRecord);
  const counters = page.length
    ? (await db.prepare(COUNTERS).bind(JSON.stringify(page.map((b) => b.id))).all<CounterRow>()).results
    : [];
  const broadcasts = page.map((b) => viewOf(b, counters.filter((c) => c.broadcast_id === b.id)));
  const lastRow = page.at(-1);
  return {
    broadcasts,
    last: rows.results.length > query.limit && lastRow ? { createdAt: lastRow.createdAt, id: lastRow.id } : null,
  };
}

/**
 * Cancels a scheduled or running broadcast. In the same transaction every
 * recipient still `pending` becomes skipped ("cancelled"); the ones a
 * consumer has already claimed (`sending`, at most one delivery group per
 * running consumer, see src/broadcast/fan-out.ts) may still be delivered:
 * their number is returned as `inFlight`.
 * @throws ServiceError not_found, conflict (already completed)
 */
export async function cancelBroadcast(
  db: D1Database,
  tenant: string,
  id: string,
  now = new Date(),
): Promise<{ view: BroadcastView; inFlight: number }> {
  const at = now.toISOString();
  const [, , inFlight] = await db.batch([
    db
      .prepare(
        "UPDATE broadcasts SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND tenant = ? AND status IN ('scheduled', 'running')",
      )
      .bind(at, id, tenant),
    db
      .prepare(
        `UPDATE broadcast_recipients SET status = 'skipped', reason = 'cancelled', updated_at = ?
         WHERE broadcast_id = ? AND status = 'pending' AND (SELECT status FROM broadcasts WHERE id = ? AND tenant = ?) = 'cancelled'`,
      )
      .bind(at, id, id, tenant),
    db.prepare("SELECT COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = ? AND status = 'sending'").bind(id),
  ]);
  const view = await broadcastView(db, tenant, id);
  if (view.status === "completed") throw new ServiceError("conflict", `broadcast ${id} already completed`);
  return { view, inFlight: (inFlight!.results[0] as { n: number }).n };
}

/**
 * Marks the broadcast completed when no recipient is pending or sending.
 * The conditional UPDATE makes the transition happen exactly once; returns
 * true only to the caller that made it.
 */
export async function completeIfDone(db: D1Database, id: string, now = new Date()): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE broadcasts SET status = 'completed', completed_at = ?
       WHERE id = ? AND status = 'running'
         AND NOT EXISTS (SELECT 1 FROM broadcast_recipients WHERE broadcast_id = ? AND status IN ('pending', 'sending'))`,
    )
    .bind(now.toISOString(), id, id)
    .run();
  return result.meta.changes > 0;
}

/** How long a claim on the completion hook holds before another consumer may run it (after a crash). */
export const COMPLETION_LEASE_MS = 60_000;

/**
 * Claims the right to run the completion hook of a completed broadcast:
 * "claimed" for exactly one caller at a time; "busy" while another caller's
 * lease runs and the hook is not done; "done" once it ran (or nothing to do).
 */
export async function claimCompletion(db: D1Database, id: string, now = new Date()): Promise<"claimed" | "busy" | "done"> {
  const result = await db
    .prepare(
      `UPDATE broadcasts SET completion_claimed_at = ?
       WHERE id = ? AND status = 'completed' AND completion_notified_at IS NULL
         AND (completion_claimed_at IS NULL OR completion_claimed_at < ?)`,
    )
    .bind(now.toISOString(), id, new Date(now.getTime() - COMPLETION_LEASE_MS).toISOString())
    .run();
  if (result.meta.changes > 0) return "claimed";
  const row = await db
    .prepare("SELECT 1 AS busy FROM broadcasts WHERE id = ? AND status = 'completed' AND completion_notified_at IS NULL")
    .bind(id)
    .first<{ busy: number }>();
  return row ? "busy" : "done";
}

/** Records that the completion hook ran. */
export async function markCompletionNotified(db: D1Database, id: string, now = new Date()): Promise<void> {
  await db
    .prepare("UPDATE broadcasts SET completion_notified_at = ? WHERE id = ? AND completion_notified_at IS NULL")
    .bind(now.toISOString(), id)
    .run();
}

/** Gives the claim back after the hook failed, so the next attempt runs it at once. */
export async function releaseCompletion(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE broadcasts SET completion_claimed_at = NULL WHERE id = ? AND completion_notified_at IS NULL").bind(id).run();
}

/** Records that `userId` read past the given broadcasts' messages (the read counter). */
export async function recordBroadcastReads(db: D1Database, userId: string, broadcastIds: string[], now = new Date()): Promise<void> {
  if (broadcastIds.length === 0) return;
  await db
    .prepare(
      `UPDATE broadcast_recipients SET read_at = ?
       WHERE broadcast_id IN (SELECT value FROM json_each(?)) AND user_id = ? AND read_at IS NULL`,
    )
    .bind(now.toISOString(), JSON.stringify(broadcastIds), userId)
    .run();
}
