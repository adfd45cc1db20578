// Helpers for the broadcast tests: a topic per test, people and
// subscriptions seeded straight into D1 in a few batched statements (the
// index the fan-out reads), and polling a broadcast until it settles.
import { env } from "cloudflare:test";
import type { BroadcastView } from "../../src/broadcast/store";
import type { Event } from "../../src/protocol/event";
import { ADMIN_TOKEN, api, json } from "./helpers";

let adminKey: Promise<string> | null = null;

/** An admin-role API key of the demo tenant, minted once per test file through the admin API. */
export function adminKeyOf(): Promise<string> {
  adminKey ??= (async () => {
    await api("/v1"); // seeds the demo tenant
    const res = await api("/v1/admin/tenants/demo/api-keys", { method: "POST", token: ADMIN_TOKEN, json: { role: "admin", name: "broadcast tests" } });
    if (res.status !== 201) throw new Error(`admin key: ${res.status} ${await res.text()}`);
    return (await json<{ apiKey: string }>(res)).apiKey;
  })();
  return adminKey;
}

/** A fresh topic of the demo tenant (created through the admin API). */
export async function newTopic(prefix = "news"): Promise<string> {
  const topic = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const res = await api(`/v1/topics/${topic}`, { method: "PUT", token: await adminKeyOf(), json: { name: `Topic ${topic}` } });
  if (res.status !== 201) throw new Error(`topic: ${res.status} ${await res.text()}`);
  return topic;
}

export interface SeedPerson {
  id: string;
  labels: string[];
  timezone?: string | null;
  topics: string[];
}

/** Writes people and their subscriptions into D1 (demo tenant), 20 rows per statement. */
export async function seedPeople(people: SeedPerson[]): Promise<void> {
  const now = new Date().toISOString();
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < people.length; i += 15) {
    const chunk = people.slice(i, i + 15);
    statements.push(
      env.DB.prepare(
        `INSERT INTO people (tenant, user_id, name, guest, labels, timezone, version, created_at, updated_at) VALUES ${chunk
          .map(() => "('demo', ?, ?, 0, ?, ?, 1, ?, ?)")
          .join(", ")}`,
      ).bind(...chunk.flatMap((p) => [p.id, `Name ${p.id}`, JSON.stringify(p.labels), p.timezone ?? null, now, now])),
    );
  }
  const subs = people.flatMap((p) => p.topics.map((topic) => [topic, p.id] as const));
  for (let i = 0; i < subs.length; i += 30) {
    const chunk = subs.slice(i, i + 30);
    statements.push(
      env.DB.prepare(
        `INSERT INTO subscriptions (tenant, topic, user_id, created_at) VALUES ${chunk.map(() => "('demo', ?, ?, ?)").join(", ")}`,
      ).bind(...chunk.flatMap(([topic, id]) => [topic, id, now])),
    );
  }
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
}

export async function getBroadcast(id: string): Promise<BroadcastView> {
  const res = await api(`/v1/broadcasts/${id}`, { token: await adminKeyOf() });
  if (res.status !== 200) throw new Error(`get broadcast: ${res.status} ${await res.text()}`);
  return (await json<{ broadcast: BroadcastView }>(res)).broadcast;
}

/** Polls the broadcast until `ready` holds; fails after `ms`. */
export async function waitFor(id: string, ready: (b: BroadcastView) => boolean, ms = 90_000): Promise<BroadcastView> {
  const until = Date.now() + ms;
  for (;;) {
    const b = await getBroadcast(id);
    if (ready(b)) return b;
    if (Date.now() > until) throw new Error(`broadcast ${id} did not settle: ${JSON.stringify(b)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How many copies of the broadcast each person's threads hold (copyEventsOf). */
export async function copiesOf(userIds: string[], broadcastId: string): Promise<Map<string, number>> {
  const copies = await copyEventsOf(userIds, broadcastId);
  return new Map([...copies].map(([userId, events]) => [userId, events.length]));
}

/** The broadcast's copies (message.created events) in each person's threads (read through the DOs, as their devices would). */
export async function copyEventsOf(userIds: string[], broadcastId: string): Promise<Map<string, Event[]>> {
  const out = new Map<string, Event[]>();
  const access = { kind: "business", tenant: "demo", role: "admin", keyId: "test" } as const;
  for (let i = 0; i < userIds.length; i += 50) {
    await Promise.all(
      userIds.slice(i, i + 50).map(async (userId) => {
        const threads = await env.CUSTOMER.getByName(`demo:${userId}`).listThreads();
        const copies: Event[] = [];
        for (const t of threads) {
          const page = await env.CONVERSATION.getByName(`demo:${t.id}`).events(access, { after: 0, limit: 500 });
          if (!page.ok) throw new Error(page.error.detail);
          copies.push(...page.value.events.filter((e: Event) => e.type === "message.created" && e.broadcastId === broadcastId));
        }
        out.set(userId, copies);
      }),
    );
  }
  return out;
}

export async function createBroadcast(body: unknown): Promise<Response> {
  return api("/v1/broadcasts", { method: "POST", token: await adminKeyOf(), json: body });
}
