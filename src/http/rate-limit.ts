// Rate limits on session creation (per client IP, and per device for new guests) and on
// message sends per IP, each counted in its own RateLimiter object
// (src/ratelimit/), the per-IP ones through a per-isolate pre-check bucket
// (src/ratelimit/leased-buckets.ts); sends per device are counted in the
// Conversation DO.
// The IP is Cloudflare's CF-Connecting-IP; a request without it (only
// possible when called from inside the Worker's own process, as in tests)
// is limited per device only.
import type { Context } from "hono";
import { findTenant, type Tenant } from "../directory/tenants";
import type { Env } from "../env";
import type { CustomerAccess } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { enforceLeasedLimit, enforceLimits, limitsOf, type LimitCheck } from "../ratelimit/limits";
import type { KeepAlive } from "../ratelimit/leased-buckets";
import type { AppEnv } from "./types";

function clientIp(c: Context<AppEnv>): string | null {
  return c.req.header("cf-connecting-ip") ?? null;
}

/** The request's waitUntil, for a lease refill that outlives the answer (src/ratelimit/leased-buckets.ts). */
function keepAliveOf(c: Context<AppEnv>): KeepAlive {
  const ctx = c.executionCtx;
  return (promise) => ctx.waitUntil(promise);
}

/**
 * Session creation per client IP (leased) and, when `deviceId` is given, per
 * device through the shared limiter — only for a brand new guest: every other
 * session is counted per device in the person's Customer DO (src/customer/session-limit.ts).
 */
export async function limitSessionCreation(c: Context<AppEnv>, tenant: Tenant, deviceId: string | undefined): Promise<void> {
  const limits = limitsOf(c.env, tenant.rateLimits);
  const ip = clientIp(c);
  // Per IP through the isolate's pre-check bucket; per device exactly (a device's key is rarely hot).
  const perIp = ip ? enforceLeasedLimit(c.env, { key: `sessions:ip:${tenant.id}:${ip}`, limit: limits.sessionsPerIp }, keepAliveOf(c)) : undefined;
  if (!deviceId) return perIp;
  const checks: LimitCheck[] = [{ key: `sessions:device:${tenant.id}:${deviceId}`, limit: limits.sessionsPerDevice }];
  await Promise.all([enforceLimits(c.env, checks), perIp]);
}

/**
 * The tenant a session request names (POST /v1/sessions and
 * /v1/agent-sessions): remembered for CORS, refused as invalid_token when
 * unknown, then the caller's session-creation limits are spent (throws
 * rate_limited past them).
 */
export async function sessionTenant(c: Context<AppEnv>, tenantId: string, deviceId: string | undefined): Promise<Tenant> {
  c.set("tenantId", tenantId);
  const tenant = await findTenant(c.env.DB, tenantId);
  if (!tenant) throw new ServiceError("invalid_token", "unknown tenant");
  await limitSessionCreation(c, tenant, deviceId);
  return tenant;
}

export function limitCustomerSend(c: Context<AppEnv>, access: CustomerAccess): Promise<void> {
  return enforceSendLimits(c.env, access, clientIp(c), keepAliveOf(c));
}

/**
 * The per-IP send limit of customer messages. The per-device limit is
 * counted by the Conversation DO itself (for HTTP and socket sends alike),
 * which sees every message of the thread anyway, so a message costs at most
 * one limiter round trip.
 */
export async function enforceSendLimits(env: Env, access: CustomerAccess, ip: string | null, keepAlive?: KeepAlive): Promise<void> {
  if (!ip) return;
  const tenant = await findTenant(env.DB, access.tenant);
  const limits = limitsOf(env, tenant?.rateLimits);
  await enforceLeasedLimit(env, { key: `sends:ip:${access.tenant}:${ip}`, limit: limits.sendsPerIp }, keepAlive);
}
