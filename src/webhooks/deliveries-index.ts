// The D1 index of webhook delivery states. The outboxes in the Conversation
// DOs (and the tenant outbox DO) hold the deliveries; after each change they
// upsert the state here, so listing, "retry one" and "recover since" find a
// delivery's conversation without visiting every DO. A late write never moves
// a row back (the outbox row's version only grows).
import type { Env } from "../env";
import { attemptFields, type AttemptColumns } from "../outbox/delivery-rows";
import type { DeliveryState, StreamInfo } from "../outbox/sink";

/** A delivery as the API lists it (API.md "Webhooks" → deliveries). */
export interface WebhookDelivery {
  id: string;
  type: string;
  conversationId: string | null;
  seq: number | null;
  status: DeliveryState["status"];
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastResponse: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

interface IndexRow extends AttemptColumns {
  id: string;
  conversation_id: string | null;
  type: string;
  next_attempt_at: string | null;
  created_at: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Upserts the states of one stream's deliveries to endpoint `webhook:<id>` sinks. */
export async function recordDeliveries(env: Env, stream: StreamInfo, states: DeliveryState[]): Promise<void> {
  const statements = states.map((s) =>
    env.DB.prepare(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, conversation_id, type, seq, status, attempts,
         last_status, last_error, last_response, next_attempt_at, created_at, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         last_status = excluded.last_status, last_error = excluded.last_error, last_response = excluded.last_response,
         next_attempt_at = excluded.next_attempt_at, version = excluded.version
       WHERE excluded.version > webhook_deliveries.version`,
    ).bind(
      s.id,
      stream.tenant,
      s.sink.slice("webhook:".length),
      stream.conversationId,
      s.type,
      s.seq,
      s.status,
      s.attempts,
      s.lastStatus,
      s.lastError,
      s.lastResponse,
      iso(s.nextAttemptAt),
      iso(s.createdAt),
      s.version,
    ),
  );
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
}

function view(row: IndexRow): WebhookDelivery {
  return {
    id: row.id,
    type: row.type,
    conversationId: row.conversation_id,
    ...attemptFields(row),
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
}

export interface DeliveriesQuery {
  status?: DeliveryState["status"];
  conversationId?: string;
  /** Opaque: from a previous page. */
  cursor?: string;
  limit: number;
}

function encodeCursor(row: IndexRow): string {
  return btoa(JSON.stringify([row.created_at, row.id])).replace(/=+$/, "");
}

function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(atob(cursor)) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "string")) return value as [string, string];
  } catch {
    // fall through
  }
  return null;
}

/** Newest first, keyset-paged by (createdAt, id). Returns null for a malformed cursor. */
export async function listDeliveries(
  env: Env,
  tenant: string,
  endpointId: string,
  query: DeliveriesQuery,
): Promise<{ deliveries: WebhookDelivery[]; cursor: string | null } | null> {
  const where = ["tenant_id = ?", "endpoint_id = ?"];
  const values: (string | number)[] = [tenant, endpointId];
  if (query.status) where.push("status = ?") && values.push(query.status);
  if (query.conversationId) where.push("conversation_id = ?") && values.push(query.conversationId);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    if (!after) return null;
    where.push("(created_at < ? OR (created_at = ? AND id < ?))");
    values.push(after[0], after[0], after[1]);
  }
  const { results } = await env.DB.prepare(
    `SELECT * FROM webhook_deliveries WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
    .bind(...values, query.limit + 1)
    .all<IndexRow>();
  const page = results.slice(0, query.limit);
  const last = page.at(-1);
  return { deliveries: page.map(view), cursor: results.length > query.limit && last ? encodeCursor(last) : null };
}

/** Where a delivery lives: its conversation, or null for the tenant outbox; undefined when unknown. */
export async function deliveryHome(env: Env, tenant: string, endpointId: string, id: string): Promise<string | null | undefined> {
  const row = await env.DB.prepare("SELECT conversation_id FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? AND id = ?")
    .bind(tenant, endpointId, id)
    .first<{ conversation_id: string | null }>();
  return row ? row.conversation_id : undefined;
}

/** The homes (conversation ids, null = tenant outbox) of an endpoint's failed deliveries created since `since`. */
export async function failedHomes(env: Env, tenant: string, endpointId: string, since: string): Promise<(string | null)[]> {
  const { results } = await env.DB.prepare(
    "SELECT DISTINCT conversation_id FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? AND status = 'failed' AND created_at >= ?",
  )
    .bind(tenant, endpointId, since)
    .all<{ conversation_id: string | null }>();
  return results.map((r) => r.conversation_id);
}
