// A tenant's channel settings in D1: the Messenger page or WhatsApp number,
// its tokens sealed with AES-GCM (secrets.ts). Read on every platform webhook
// and every send, so cached in the isolate for a short time.
import * as z from "../zod";
import type { Env } from "../env";
import { openSecrets, sealSecrets } from "./secrets";

export const CHANNEL_KINDS = ["messenger", "whatsapp"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The platform's ids are digits; the demo page id `demo-page` is the one exception, so letters and '-' pass too. */
const AccountId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be the platform's id (digits)"));
const Secret = z.string().check(z.minLength(8), z.maxLength(1024));

/** PUT /v1/channels/messenger (API.md "Messenger channels"). */
export const MessengerSettings = z.strictObject({
  pageId: AccountId,
  pageAccessToken: Secret,
  appSecret: Secret,
  verifyToken: Secret,
});

/** PUT /v1/channels/whatsapp (API.md "Messenger channels"). */
export const WhatsAppSettings = z.strictObject({
  phoneNumberId: AccountId,
  accessToken: Secret,
  appSecret: Secret,
  verifyToken: Secret,
});

export interface ChannelSecrets {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
}

/** One tenant's channel, secrets decrypted: only ever held in memory. */
export interface ChannelConfig extends ChannelSecrets {
  tenant: string;
  kind: ChannelKind;
  /** The Messenger page id or the WhatsApp phone number id. */
  accountId: string;
  /** Local development only: the simulator instead of GRAPH_API_BASE. */
  apiBase: string | null;
}

/** What GET /v1/channels shows: never a secret. */
export interface ChannelView {
  kind: ChannelKind;
  pageId?: string;
  phoneNumberId?: string;
  webhookPath: string;
  createdAt: string;
  updatedAt: string;
}

interface ChannelRow {
  tenant_id: string;
  kind: ChannelKind;
  account_id: string;
  secrets: string;
  api_base: string | null;
  created_at: string;
  updated_at: string;
}

const TTL_MS = 30_000;
const cache = new Map<string, { at: number; config: ChannelConfig | null }>();

function scopeOf(tenant: string, kind: ChannelKind): string {
  return `${tenant}:${kind}`;
}

function viewOf(row: Pick<ChannelRow, "tenant_id" | "kind" | "account_id" | "created_at" | "updated_at">): ChannelView {
  return {
    kind: row.kind,
    ...(row.kind === "messenger" ? { pageId: row.account_id } : { phoneNumberId: row.account_id }),
    webhookPath: `/v1/channels/${row.tenant_id}/${row.kind}/webhook`,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Creates or replaces a tenant's channel of `kind`. `apiBase` is for the dev
 * seed only (the simulator); the public API always passes null.
 */
export async function putChannel(
  env: Pick<Env, "DB" | "CHANNEL_SECRETS_KEY" | "DEV_SEED">,
  input: { tenant: string; kind: ChannelKind; accountId: string; apiBase: string | null } & ChannelSecrets,
): Promise<ChannelView> {
  const at = new Date().toISOString();
  const secrets: ChannelSecrets = { accessToken: input.accessToken, appSecret: input.appSecret, verifyToken: input.verifyToken };
  const sealed = await sealSecrets(env, scopeOf(input.tenant, input.kind), secrets);
  await env.DB.prepare(
    `INSERT INTO channels (tenant_id, kind, account_id, secrets, api_base, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, kind) DO UPDATE SET account_id = excluded.account_id, secrets = excluded.secrets,
       api_base = excluded.api_base, updated_at = excluded.updated_at`,
  )
    .bind(input.tenant, input.kind, input.accountId, sealed, input.apiBase, at, at)
    .run();
  cache.delete(scopeOf(input.tenant, input.kind));
  const row = await env.DB.prepare("SELECT * FROM channels WHERE tenant_id = ? AND kind = ?").bind(input.tenant, input.kind).first<ChannelRow>();
  return viewOf(row ?? { tenant_id: input.tenant, kind: input.kind, account_id: input.accountId, created_at: at, updated_at: at });
}

/** The tenant's channels as GET /v1/channels shows them (no secrets), messenger first. */
export async function listChannels(db: D1Database, tenant: string): Promise<ChannelView[]> {
  const { results } = await db
    .prepare("SELECT tenant_id, kind, account_id, created_at, updated_at FROM channels WHERE tenant_id = ? ORDER BY kind")
    .bind(tenant)
    .all<ChannelRow>();
  return results.map(viewOf);
}

/** Removes the channel; true when there was one. */
export async function deleteChannel(db: D1Database, tenant: string, kind: ChannelKind): Promise<boolean> {
  const result = await db.prepare("DELETE FROM channels WHERE tenant_id = ? AND kind = ?").bind(tenant, kind).run();
  cache.delete(scopeOf(tenant, kind));
  return result.meta.changes > 0;
}

/** The tenant's channel of `kind` with its secrets, or null when none is set up. */
export async function findChannel(
  env: Pick<Env, "DB" | "CHANNEL_SECRETS_KEY" | "DEV_SEED">,
  tenant: string,
  kind: ChannelKind,
  now = Date.now(),
): Promise<ChannelConfig | null> {
  const scope = scopeOf(tenant, kind);
  const hit = cache.get(scope);
  if (hit && now - hit.at < TTL_MS) return hit.config;
  const row = await env.DB.prepare("SELECT * FROM channels WHERE tenant_id = ? AND kind = ?").bind(tenant, kind).first<ChannelRow>();
  let config: ChannelConfig | null = null;
  if (row) {
    const secrets = (await openSecrets(env, scope, row.secrets)) as ChannelSecrets;
    config = { tenant, kind, accountId: row.account_id, apiBase: row.api_base, ...secrets };
  }
  if (cache.size > 1000) cache.clear();
  cache.set(scope, { at: now, config });
  return config;
}
