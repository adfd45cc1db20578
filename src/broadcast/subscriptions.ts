// Topics (defined by the tenant's admin) and who opted in to which, in D1.
// Subscriptions are authoritative here; the fan-out reads them again just
// before each delivery, so an opt-out wins over a running broadcast.
import * as z from "../zod";
import { TOPIC_PATTERN, unsubscribeTopicOf } from "../protocol/unsubscribe";

export { UNSUBSCRIBE_PREFIX, unsubscribeTopicOf } from "../protocol/unsubscribe";

/** A topic id: 1..64 of [a-z0-9_-]; it appears in postback payloads. */
export const TopicId = z.string().check(z.regex(TOPIC_PATTERN, "a topic is 1..64 of [a-z0-9_-]"));

/** A topic people can opt in to. */
export interface Topic {
  topic: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

interface TopicRow {
  topic: string;
  name: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

function rowToTopic(row: TopicRow): Topic {
  return { topic: row.topic, name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Creates or updates a topic; returns it and whether it is new. */
export async function putTopic(
  db: D1Database,
  tenant: string,
  topic: string,
  input: { name: string; description?: string },
  now = new Date(),
): Promise<{ topic: Topic; created: boolean }> {
  const at = now.toISOString();
  const existed = await findTopic(db, tenant, topic);
  await db
    .prepare(
      `INSERT INTO topics (tenant, topic, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, topic) DO UPDATE SET name = excluded.name, description = excluded.description, updated_at = excluded.updated_at`,
    )
    .bind(tenant, topic, input.name, input.description ?? null, at, at)
    .run();
  const saved = await findTopic(db, tenant, topic);
  return { topic: saved!, created: existed === null };
}

/** The topic, or null when the tenant has none by that id. */
export async function findTopic(db: D1Database, tenant: string, topic: string): Promise<Topic | null> {
  const row = await db.prepare("SELECT * FROM topics WHERE tenant = ? AND topic = ?").bind(tenant, topic).first<TopicRow>();
  return row ? rowToTopic(row) : null;
}

/** Every topic of the tenant, by id (at most 1,000). */
export async function listTopics(db: D1Database, tenant: string): Promise<Topic[]> {
  const rows = await db.prepare("SELECT * FROM topics WHERE tenant = ? ORDER BY topic LIMIT 1000").bind(tenant).all<TopicRow>();
  return rows.results.map(rowToTopic);
}

/** One customer's subscriptions, with every topic of the tenant and whether they opted in. */
export async function subscriptionsOf(
  db: D1Database,
  tenant: string,
  userId: string,
): Promise<{ subscriptions: { topic: string; subscribedAt: string }[]; topics: (Topic & { subscribed: boolean })[] }> {
  const [subs, topics] = await db.batch([
    db.prepare("SELECT topic, created_at FROM subscriptions WHERE tenant = ? AND user_id = ? ORDER BY topic").bind(tenant, userId),
    db.prepare("SELECT * FROM topics WHERE tenant = ? ORDER BY topic LIMIT 1000").bind(tenant),
  ]);
  const subscriptions = (subs!.results as { topic: string; created_at: string }[]).map((r) => ({
    topic: r.topic,
    subscribedAt: r.created_at,
  }));
  const mine = new Set(subscriptions.map((s) => s.topic));
  return {
    subscriptions,
    topics: (topics!.results as TopicRow[]).map((r) => ({ ...rowToTopic(r), subscribed: mine.has(r.topic) })),
  };
}

/** Opts in; a no-op when already subscribed. */
export async function subscribe(db: D1Database, tenant: string, userId: string, topic: string, now = new Date()): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO subscriptions (tenant, topic, user_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(tenant, topic, userId, now.toISOString())
    .run();
}

/** Opts out; a no-op when not subscribed. Returns whether a subscription ended. */
export async function unsubscribe(db: D1Database, tenant: string, userId: string, topic: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM subscriptions WHERE tenant = ? AND topic = ? AND user_id = ?").bind(tenant, topic, userId).run();
  return result.meta.changes > 0;
}

/**
 * Applies a customer's unsubscribe postback. Retried a few times: the
 * customer's message is already committed, and the opt-out must not be lost
 * to a passing D1 error.
 */
export async function applyUnsubscribePostback(db: D1Database, tenant: string, userId: string, payload: string): Promise<void> {
  const topic = unsubscribeTopicOf(payload);
  if (topic === null) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await unsubscribe(db, tenant, userId, topic);
      return;
    } catch (err) {
      if (attempt >= 4) {
        console.error(`unsubscribe postback for ${tenant}:${userId} (${topic}) failed`, err);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
