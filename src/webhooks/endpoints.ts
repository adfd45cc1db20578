// Webhook endpoints of a tenant in D1: what they subscribe to, whether they
// are disabled, and their signing secrets (sealed, src/webhooks/secrets.ts).
// Outboxes read them through a short isolate cache; writes here clear it.
import type { Env } from "../env";
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import { openSecret, sealSecret } from "./secrets";
import { newWebhookSecret } from "./signing";

/** The event types an endpoint can subscribe to (API.md "Webhooks"). */
export const WEBHOOK_EVENT_TYPES = [
  "message.created",
  "conversation.created",
  "conversation.updated",
  "read",
  "payment.updated",
  "note.created",
  "broadcast.completed",
  "person.deleted",
  "ping",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The old secret keeps signing this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** An endpoint as the API shows it (never its secret). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  description?: string;
  bot: boolean;
  disabled: boolean;
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
}

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string;
  description: string | null;
  bot: number;
  disabled: number;
  disabled_reason: string | null;
  secret: string;
  /** Secrets rotated away, still signing until their `until` (JSON, newest first; migrations/0010). */
  retired_secrets: string;
  created_at: string;
  updated_at: string;
}

function view(row: EndpointRow): WebhookEndpoint {
  const endpoint: WebhookEndpoint = {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    bot: row.bot === 1,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.description) endpoint.description = row.description;
  if (row.disabled_reason && row.disabled === 1) endpoint.disabledReason = row.disabled_reason;
  return endpoint;
}

const CACHE_MS = 5_000;
const cache = new Map<string, { at: number; rows: EndpointRow[] }>();

async function rowsOf(env: Env, tenant: string, fresh = false): Promise<EndpointRow[]> {
  const hit = cache.get(tenant);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.rows;
  const { results } = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id").bind(tenant).all<EndpointRow>();
  if (cache.size > 1000) cache.clear();
  cache.set(tenant, { at: Date.now(), rows: results });
  return results;
}

export async function listEndpoints(env: Env, tenant: string): Promise<WebhookEndpoint[]> {
  return (await rowsOf(env, tenant, true)).map(view);
}

export async function findEndpoint(env: Env, tenant: string, id: string, fresh = true): Promise<WebhookEndpoint | null> {
  const row = (await rowsOf(env, tenant, fresh)).find((r) => r.id === id);
  return row ? view(row) : null;
}

/** A secret rotated away: sealed as stored, and until when it still signs (ISO time). */
interface RetiredSecret {
  secret: string;
  until: string;
}

/** At most this many rotated-away secrets sign alongside the current one (the newest; each for its 24 h). */
const MAX_RETIRED_SECRETS = 5;

/** The rotated-away secrets of `row` still within their 24 h at `now` (ms), newest first. */
function liveRetired(row: EndpointRow, now: number): RetiredSecret[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.retired_secrets);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (r): r is RetiredSecret => typeof r?.secret === "string" && typeof r?.until === "string" && Date.parse(r.until) > now,
  );
}

/**
 * The secrets that sign a delivery now: the current one, then each one
 * rotated away within the last 24 h (newest first, at most MAX_RETIRED_SECRETS).
 */
export async function signingSecrets(env: Env, tenant: string, id: string): Promise<{ endpoint: WebhookEndpoint; secrets: string[] } | null> {
  const row = (await rowsOf(env, tenant)).find((r) => r.id === id);
  if (!row) return null;
  const sealed = [row.secret, ...liveRetired(row, Date.now()).map((r) => r.secret)];
  return { endpoint: view(row), secrets: await Promise.all(sealed.map((s) => openSecret(env, row.id, s))) };
}

/** Endpoints (cached ≤ 5 s) that take `type`: subscribed and not disabled. */
export async function subscribers(env: Env, tenant: string, type: string): Promise<WebhookEndpoint[]> {
  return (await rowsOf(env, tenant)).map(view).filter((e) => !e.disabled && (e.events as string[]).includes(type));
}

/**
 * The entry types some enabled endpoint of `tenant` takes, read from D1 now
 * (no cache): what a Conversation DO's SinkInterest trusts for a minute.
 */
export async function wantedTypes(env: Env, tenant: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT events FROM webhook_endpoints WHERE tenant_id = ? AND disabled = 0").bind(tenant).all<{ events: string }>();
  return [...new Set(results.flatMap((r) => JSON.parse(r.events) as string[]))];
}

/** Drops this isolate's cached endpoint rows of `tenant` (after a change pushed from elsewhere). */
export function forgetEndpoints(tenant: string): void {
  cache.delete(tenant);
}

export async function createEndpoint(
  env: Env,
  tenant: string,
  input: { url: string; events: WebhookEventType[]; description?: string; bot?: boolean },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const id = newId("whe");
  const secret = newWebhookSecret();
  const at = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, bot, secret, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(id, tenant, input.url, JSON.stringify(input.events), input.description ?? null, input.bot ? 1 : 0, await sealSecret(env, id, secret), at, at)
    .run();
  cache.delete(tenant);
  const endpoint = await findEndpoint(env, tenant, id);
  if (!endpoint) throw new Error("endpoint vanished after insert");
  return { endpoint, secret };
}

export async function updateEndpoint(
  env: Env,
  tenant: string,
  id: string,
  patch: { url?: string; events?: WebhookEventType[]; description?: string | null; bot?: boolean; disabled?: boolean },
): Promise<WebhookEndpoint | null> {
  const sets: string[] = [];
  const values: (string | number | null)[] = [];
  if (patch.url !== undefined) sets.push("url = ?") && values.push(patch.url);
  if (patch.events !== undefined) sets.push("events = ?") && values.push(JSON.stringify(patch.events));
  if (patch.description !== undefined) sets.push("description = ?") && values.push(patch.description);
  if (patch.bot !== undefined) sets.push("bot = ?") && values.push(patch.bot ? 1 : 0);
  if (patch.disabled !== undefined) {
    sets.push("disabled = ?", "disabled_reason = ?");
    values.push(patch.disabled ? 1 : 0, patch.disabled ? "disabled through the API" : null);
  }
  sets.push("updated_at = ?");
  values.push(new Date().toISOString());
  const result = await env.DB.prepare(`UPDATE webhook_endpoints SET ${sets.join(", ")} WHERE tenant_id = ? AND id = ?`)
    .bind(...values, tenant, id)
    .run();
  cache.delete(tenant);
  if (result.meta.changes === 0) return null;
  return findEndpoint(env, tenant, id);
}

export async function deleteEndpoint(env: Env, tenant: string, id: string): Promise<boolean> {
  const result = await env.DB.prepare("DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?").bind(tenant, id).run();
  cache.delete(tenant);
  return result.meta.changes > 0;
}

/**
 * A new secret; the current one keeps signing, alongside, for
 * ROTATION_OVERLAP_MS, as do the ones rotated away before it within theirs.
 * @throws ServiceError conflict when another rotation of the endpoint won the race
 */
export async function rotateSecret(env: Env, tenant: string, id: string): Promise<string | null> {
  const row = (await rowsOf(env, tenant, true)).find((r) => r.id === id);
  if (!row) return null;
  const secret = newWebhookSecret();
  const now = Date.now();
  const retired: RetiredSecret[] = [{ secret: row.secret, until: new Date(now + ROTATION_OVERLAP_MS).toISOString() }, ...liveRetired(row, now)];
  const result = await env.DB.prepare(
    "UPDATE webhook_endpoints SET secret = ?, retired_secrets = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND secret = ?",
  )
    .bind(await sealSecret(env, id, secret), JSON.stringify(retired.slice(0, MAX_RETIRED_SECRETS)), new Date(now).toISOString(), tenant, id, row.secret)
    .run();
  cache.delete(tenant);
  // Another rotation won the race: its secret is the one stored.
  if (result.meta.changes === 0) throw new ServiceError("conflict", "the secret was rotated at the same time; rotate again");
  return secret;
}

/** The endpoint answered 410 Gone: disabled for every conversation at once (they read D1, not each other). */
export async function disableEndpoint(env: Env, tenant: string, id: string, reason: string): Promise<void> {
  await env.DB.prepare("UPDATE webhook_endpoints SET disabled = 1, disabled_reason = ?, updated_at = ? WHERE tenant_id = ? AND id = ?")
    .bind(reason, new Date().toISOString(), tenant, id)
    .run();
  cache.delete(tenant);
}
