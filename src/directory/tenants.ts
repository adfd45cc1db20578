// Tenants and API keys in D1. Tenant config is read on every session and
// every API call, so it is cached in the isolate for a short time.
import { z } from "zod";
import { newId, newSecret, sha256Hex } from "../ids";

export const IdentityConfig = z.strictObject({
  issuer: z.string().min(1).max(256),
  hs256Secrets: z.array(z.string().min(32, "HS256 secrets need at least 32 characters")).max(5).optional(),
  jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }).optional(),
});
export type IdentityConfig = z.infer<typeof IdentityConfig>;

export interface Tenant {
  id: string;
  name: string;
  allowedOrigins: string[];
  identity: IdentityConfig;
  createdAt: string;
  updatedAt: string;
}

export type ApiKeyRole = "bot" | "agent" | "admin";

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  role: ApiKeyRole;
}

interface TenantRow {
  id: string;
  name: string;
  allowed_origins: string;
  identity: string;
  created_at: string;
  updated_at: string;
}

const TTL_MS = 30_000;
const tenantCache = new Map<string, { at: number; tenant: Tenant | null }>();
const keyCache = new Map<string, { at: number; key: ApiKeyRecord | null }>();

function rowToTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    identity: JSON.parse(row.identity) as IdentityConfig,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findTenant(db: D1Database, id: string, now = Date.now()): Promise<Tenant | null> {
  const hit = tenantCache.get(id);
  if (hit && now - hit.at < TTL_MS) return hit.tenant;
  const row = await db.prepare("SELECT * FROM tenants WHERE id = ?").bind(id).first<TenantRow>();
  const tenant = row ? rowToTenant(row) : null;
  tenantCache.set(id, { at: now, tenant });
  return tenant;
}

export async function insertTenant(
  db: D1Database,
  input: { id: string; name: string; allowedOrigins: string[]; identity: IdentityConfig },
): Promise<Tenant | null> {
  const at = new Date().toISOString();
  const result = await db
    .prepare(
      "INSERT OR IGNORE INTO tenants (id, name, allowed_origins, identity, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(input.id, input.name, JSON.stringify(input.allowedOrigins), JSON.stringify(input.identity), at, at)
    .run();
  tenantCache.delete(input.id);
  if (result.meta.changes === 0) return null;
  return { ...input, createdAt: at, updatedAt: at };
}

export async function updateTenant(
  db: D1Database,
  id: string,
  patch: { name?: string; allowedOrigins?: string[]; identity?: IdentityConfig },
): Promise<Tenant | null> {
  const current = await findTenant(db, id, Number.POSITIVE_INFINITY);
  if (!current) return null;
  const next: Tenant = { ...current, ...patch, updatedAt: new Date().toISOString() };
  await db
    .prepare("UPDATE tenants SET name = ?, allowed_origins = ?, identity = ?, updated_at = ? WHERE id = ?")
    .bind(next.name, JSON.stringify(next.allowedOrigins), JSON.stringify(next.identity), next.updatedAt, id)
    .run();
  tenantCache.delete(id);
  return next;
}

/** Creates an API key; the plain key is returned once and only its hash kept. */
export async function createApiKey(
  db: D1Database,
  tenant: string,
  role: ApiKeyRole,
  name?: string,
  plainKey = newSecret(`ck_${tenant.replace(/[^A-Za-z0-9]/g, "")}`),
): Promise<{ id: string; key: string; role: ApiKeyRole }> {
  const id = newId("key");
  await db
    .prepare(
      "INSERT INTO api_keys (id, tenant_id, key_hash, role, name, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_hash) DO NOTHING",
    )
    .bind(id, tenant, await sha256Hex(plainKey), role, name ?? null, new Date().toISOString())
    .run();
  return { id, key: plainKey, role };
}

export async function findApiKey(db: D1Database, plainKey: string, now = Date.now()): Promise<ApiKeyRecord | null> {
  // Looked up by hash: the lookup itself compares no secret, so it leaks no timing.
  const hash = await sha256Hex(plainKey);
  const hit = keyCache.get(hash);
  if (hit && now - hit.at < TTL_MS) return hit.key;
  const row = await db
    .prepare("SELECT id, tenant_id, role FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
    .bind(hash)
    .first<{ id: string; tenant_id: string; role: ApiKeyRole }>();
  const key = row ? { id: row.id, tenant: row.tenant_id, role: row.role } : null;
  keyCache.set(hash, { at: now, key });
  return key;
}
