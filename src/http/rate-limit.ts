// Rate limits on session creation and message sends, per device and per
// client IP, each counted in its own RateLimiter object (src/ratelimit/).
// The IP is Cloudflare's CF-Connecting-IP; a request without it (only
// possible when called from inside the Worker's own process, as in tests)
// is limited per device only.
import type { Context } from "hono";
import type { Tenant } from "../directory/tenants";
import { findTenant } from "../directory/tenants";
import type { CustomerAccess } from "../protocol/access";
import { enforceLimits, limitsOf, type LimitCheck } from "../ratelimit/limits";
import type { AppEnv } from "./types";

function clientIp(c: Context<AppEnv>): string | null {
  return c.req.header("cf-connecting-ip") ?? null;
}

export async function limitSessionCreation(c: Context<AppEnv>, tenant: Tenant, deviceId: string | undefined): Promise<void> {
  const limits = limitsOf(c.env, tenant.rateLimits);
  const checks: LimitCheck[] = [];
  const ip = clientIp(c);
  if (ip) checks.push({ key: `sessions:ip:${tenant.id}:${ip}`, limit: limits.sessionsPerIp });
  if (deviceId) checks.push({ key: `sessions:device:${tenant.id}:${deviceId}`, limit: limits.sessionsPerDevice });
  await enforceLimits(c.env, checks);
}

export async function limitCustomerSend(c: Context<AppEnv>, access: CustomerAccess): Promise<void> {
  const tenant = await findTenant(c.env.DB, access.tenant);
  const limits = limitsOf(c.env, tenant?.rateLimits);
  const checks: LimitCheck[] = [
    { key: `sends:device:${access.tenant}:${access.userId}:${access.deviceId}`, limit: limits.sendsPerDevice },
  ];
  const ip = clientIp(c);
  if (ip) checks.push({ key: `sends:ip:${access.tenant}:${ip}`, limit: limits.sendsPerIp });
  await enforceLimits(c.env, checks);
}
