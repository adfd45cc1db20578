// Tenants and API keys in D1. Tenant config is read on every session and
// every API call, so it is cached in the isolate for a short time.
import * as z from "../zod";
import { Jwks } from "../auth/identity-keys";
import { newId, newSecret, sha256Hex } from "../ids";
import { isSafeUrl } from "../protocol/content";
import { MAX_ATTACHMENT_MAX_BYTES } from "../protocol/attachment";
import { RateLimitsConfig } from "../ratelimit/limits";
import type { TenantSettings } from "./tenant-settings";

/**
 * Tenant ids name Durable Objects (`<tenant>:<id>`, built only by ./stubs.ts,
 * which re-checks this), so they never contain ':'.
 */
export const TenantId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lowercase letters, digits and '-', 2..63 characters"));

/** An origin exactly as a browser sends it: scheme://host[:port], nothing more. */
export const Origin = z.string().check(
  z.maxLength(256),
  z.refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
    } catch {
      return false;
    }
  }, "must be an origin such as https://shop.example (no path, no trailing slash)"),
);

export const IdentityConfig = z
  .strictObject({
    issuer: z.string().check(z.minLength(1), z.maxLength(256)),
    hs256Secrets: z.optional(
      z.array(z.string().check(z.minLength(32, "HS256 secrets need at least 32 characters"), z.maxLength(512))).check(z.minLength(1), z.maxLength(5)),
    ),
    jwksUrl: z.optional(z.string().check(z.maxLength(2048), z.refine(isSafeUrl, "must be an https: URL (http: only for localhost)"))),
    jwks: z.optional(Jwks),
  })
  .check(
    z.refine((i) => i.hs256Secrets || i.jwksUrl || i.jwks, {
      message: "give hs256Secrets, jwksUrl or jwks",
      path: ["hs256Secrets"],
    }),
    z.refine((i) => !(i.jwksUrl && i.jwks), { message: "give jwksUrl or jwks, not both", path: ["jwks"] }),
  );
export type IdentityConfig = z.infer<typeof IdentityConfig>;

/** Attachment settings of a tenant: `maxBytes` replaces the 25 MiB default upload limit. */
export const AttachmentSettings = z.strictObject({
  maxBytes: z.optional(z.number().check(z.int(), z.gte(1024), z.lte(MAX_ATTACHMENT_MAX_BYTES))),
});
export type AttachmentSettings = z.infer<typeof AttachmentSettings>;

export interface Tenant {
  id: string;
  name: string;
  allowedOrigins: string[];
  identity: IdentityConfig;
  rateLimits: RateLimitsConfig;
  /** Absent on records built before the setting existed: the defaults apply. */
  attachments?: AttachmentSettings;
  /** Business-side settings (src/directory/tenant-settings.ts); absent means all defaults. */
  settings?: TenantSettings;
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
  rate_limits: string | null;
  attachments?: string | null;
  settings?: string | null;
  created_at: string;
  updated_at: string;
}

const TTL_MS = 30_000;
const tenantCache = new Map<string, { at: number; tenant: Tenant | null }>();
const keyCache = new Map<string, { at: number; key: ApiKeyRecord | null }>();
const originCache = new Map<string, { at: number; allowed: boolean }>();

function rowToTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    identity: JSON.parse(row.identity) as IdentityConfig,
    rateLimits: JSON.parse(row.rate_limits ?? "{}") as RateLimitsConfig,
    attachments: JSON.parse(row.attachments ?? "{}") as AttachmentSettings,
    settings: JSON.parse(row.settings ?? "{}") as TenantSettings,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What the admin API shows of a tenant: everything but the HS256 secrets. */
export function tenantView(tenant: Tenant): Record<string, unknown> {
  const { hs256Secrets, ...identity } = tenant.identity;
  return {
    id: tenant.id,
    name: tenant.name,
    allowedOrigins: tenant.allowedOrigins,
    identity: { ...identity, hs256SecretCount: hs256Secrets?.length ?? 0 },
    rateLimits: tenant.rateLimits,
    attachments: tenant.attachments ?? {},
    settings: tenant.settings ?? {},
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
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

/**
 * Whether any tenant lists `origin` (CORS preflights, which carry no tenant).
 * Tenants of one deployment are few, so a scan over their origin lists is fine.
 */
export async function originAllowedByAnyTenant(db: D1Database, origin: string, now = Date.now()): Promise<boolean> {
  const hit = originCache.get(origin);
  if (hit && now - hit.at < TTL_MS) return hit.allowed;
  const row = await db
    .prepare("SELECT 1 AS ok FROM tenants, json_each(tenants.allowed_origins) AS o WHERE o.value = ? LIMIT 1")
    .bind(origin)
    .first<{ ok: number }>();
  if (originCache.size > 1000) originCache.clear();
  originCache.set(origin, { at: now, allowed: row !== null });
  return row !== null;
}

export async function insertTenant(
  db: D1Database,
  input: {
    id: string;
    name: string;
    allowedOrigins: string[];
    identity: IdentityConfig;
    rateLimits?: RateLimitsConfig;
    attachments?: AttachmentSettings;
    settings?: TenantSettings;
  },
): Promise<Tenant | null> {
  const at = new Date().toISOString();
  const rateLimits = input.rateLimits ?? {};
  const attachments = input.attachments ?? {};
  const settings = input.settings ?? {};
  const result = await db
    .prepare(
      "INSERT OR IGNORE INTO tenants (id, name, allowed_origins, identity, rate_limits, attachments, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      input.id,
      input.name,
      JSON.stringify(input.allowedOrigins),
      JSON.stringify(input.identity),
      JSON.stringify(rateLimits),
      JSON.stringify(attachments),
      JSON.stringify(settings),
      at,
      at,
    )
    .run();
  tenantCache.delete(input.id);
  originCache.clear();
  if (result.meta.changes === 0) return null;
  return { ...input, rateLimits, attachments, settings, createdAt: at, updatedAt: at };
}

export async function updateTenant(
  db: D1Database,
  id: string,
  patch: {
    name?: string;
    allowedOrigins?: string[];
    identity?: IdentityConfig;
    rateLimits?: RateLimitsConfig;
    attachments?: AttachmentSettings;
    settings?: TenantSettings;
  },
): Promise<Tenant | null> {
  const current = await findTenant(db, id, Number.POSITIVE_INFINITY);
  if (!current) return null;
  const next: Tenant = { ...current, ...patch, updatedAt: new Date().toISOString() };
  await db
    .prepare(
      "UPDATE tenants SET name = ?, allowed_origins = ?, identity = ?, rate_limits = ?, attachments = ?, settings = ?, updated_at = ? WHERE id = ?",
    )
    .bind(
      next.name,
      JSON.stringify(next.allowedOrigins),
      JSON.stringify(next.identity),
      JSON.stringify(next.rateLimits),
      JSON.stringify(next.attachments ?? {}),
      JSON.stringify(next.settings ?? {}),
      next.updatedAt,
      id,
    )
    .run();
  tenantCache.delete(id);
  originCache.clear();
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
