// A tenant's own outbox, for deliveries that belong to no conversation
// (ping, broadcast.completed, person.deleted): the same Outbox module as the
// Conversation DO's, in a small Durable Object named by the tenant. Its
// deliveries are independent of each other (no order to keep).
import { objectName } from "../directory/stubs";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { sinkKinds } from "../outbox/kinds";
import { Outbox } from "../outbox/outbox";
import type { OutboxEntry, StreamInfo } from "../outbox/sink";
import { applyMigrations } from "../sql-migrate";
import type { WebhookEventType } from "./endpoints";
import { webhookSinkId } from "./webhook-sink";

const SCHEMA = [
  "CREATE TABLE tenant (id TEXT PRIMARY KEY)",
  // Keys of entries already enqueued: a caller that may run twice (a broadcast
  // consumer that crashed after announcing) enqueues once.
  "CREATE TABLE enqueued (key TEXT PRIMARY KEY, at INTEGER NOT NULL)",
  // Conversations that cache "which entry types a sink takes" until `until`
  // (src/conversation/sink-interest.ts): told when the endpoints change.
  "CREATE TABLE endpoint_watchers (conversation TEXT PRIMARY KEY, until INTEGER NOT NULL)",
];

/** How many conversations are told about an endpoint change at once. */
const PUSH_BATCH = 50;

export class TenantOutbox extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private tenant: string | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applyMigrations(ctx.storage.sql, SCHEMA);
    this.tenant = ctx.storage.sql.exec<{ id: string }>("SELECT id FROM tenant").toArray()[0]?.id ?? null;
    this.outbox = new Outbox(ctx.storage, sinkKinds(env), () => this.stream(), { ordered: false });
  }

  private stream(): StreamInfo | null {
    return this.tenant ? { tenant: this.tenant, conversationId: null } : null;
  }

  /**
   * Stores `entry` for delivery; durable when this resolves. With `key`, an
   * entry whose key was enqueued before is dropped (returns false).
   */
  async enqueue(tenant: string, entry: OutboxEntry, key?: string): Promise<boolean> {
    if (this.tenant === null) {
      this.ctx.storage.sql.exec("INSERT OR IGNORE INTO tenant (id) VALUES (?)", tenant);
      this.tenant = tenant;
    }
    if (this.tenant !== tenant) throw new Error(`this outbox belongs to tenant ${this.tenant}`);
    if (key !== undefined) {
      const fresh = this.ctx.storage.sql.exec("INSERT OR IGNORE INTO enqueued (key, at) VALUES (?, ?)", key, Date.now()).rowsWritten > 0;
      if (!fresh) return false;
    }
    this.outbox.enqueue(entry);
    return true;
  }

  async retryDelivery(id: string): Promise<boolean> {
    return this.outbox.retry(id);
  }

  async recoverDeliveries(sink: string, since: number): Promise<number> {
    return this.outbox.recover(sink, since);
  }

  /** A conversation of this tenant caches the endpoint summary until `until` (ms): push changes to it until then. */
  async watchEndpoints(tenant: string, conversationId: string, until: number): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT INTO endpoint_watchers (conversation, until) VALUES (?, ?) ON CONFLICT (conversation) DO UPDATE SET until = max(until, excluded.until)",
      objectName(tenant, conversationId),
      until,
    );
  }

  /**
   * The tenant's webhook endpoints changed in D1: every conversation still
   * caching the old summary drops it before this resolves (the webhooks
   * routes wait for it before answering). A conversation that cannot be
   * reached is tried once more; one still failing is logged and trusts its
   * summary at most SINK_INTEREST_TTL_MS longer.
   */
  async endpointsChanged(): Promise<number> {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM endpoint_watchers WHERE until <= ?", now);
    const names = sql.exec<{ conversation: string }>("SELECT conversation FROM endpoint_watchers").toArray().map((r) => r.conversation);
    const tell = (name: string) => this.env.CONVERSATION.getByName(name).endpointsChanged();
    for (let i = 0; i < names.length; i += PUSH_BATCH) {
      const batch = names.slice(i, i + PUSH_BATCH);
      const outcomes = await Promise.allSettled(batch.map(tell));
      const failed = batch.filter((_, j) => outcomes[j]!.status === "rejected");
      const again = await Promise.allSettled(failed.map(tell));
      again.forEach((o, j) => {
        if (o.status === "rejected") console.error(`telling ${failed[j]} about changed webhook endpoints failed`, o.reason);
      });
    }
    return names.length;
  }

  override async alarm(): Promise<void> {
    await this.outbox.drainAndArm();
  }
}

/** Tells every conversation caching the tenant's endpoint summary that it changed; resolves once they know. */
export async function endpointsChanged(env: Env, tenant: string): Promise<void> {
  await env.TENANT_OUTBOX.getByName(tenant).endpointsChanged();
}

/**
 * Sends a tenant-level webhook (no conversation): `broadcast.completed`,
 * `person.deleted`, … to every endpoint subscribed to `type`, or, with
 * `endpointId`, to that endpoint only (a `ping`). With `key`, a second call
 * with the same key enqueues nothing (callers that may re-run). Durable once it resolves;
 * delivered at least once, retried on the webhook schedule.
 */
export async function enqueueTenantWebhook(
  env: Env,
  tenant: string,
  type: WebhookEventType,
  data: unknown,
  options: { endpointId?: string; key?: string } = {},
): Promise<void> {
  const entry: OutboxEntry = { type, at: new Date().toISOString(), data };
  if (options.endpointId) entry.only = webhookSinkId(options.endpointId);
  await env.TENANT_OUTBOX.getByName(tenant).enqueue(tenant, entry, options.key);
}
