// Rate limits on session creation and message sends, per device and per
// client IP, each counted in its own RateLimiter object (src/ratelimit/).
// The IP is Cloudflare's CF-Connecting-IP; a request without it (only
// possible when called from inside the Worker's own process, as in tests)
// is limited per device only.
import type { Context } from "hono";
import { findTenant, type Tenant } from "../directory/tenants";
import type { Env } from "../env";
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

export function limitCustomerSend(c: Context<AppEnv>, access: CustomerAccess): Promise<void> {
  return enforceSendLimits(c.env, access, clientIp(c));
}

/** The send limits of a customer device, for any transport (HTTP here; a live socket's frames too). */
export async function enforceSendLimits(env: Env, access: CustomerAccess, ip: string | null): Promise<void> {
  const tenant = await findTenant(env.DB, access.tenant);
  const limits = limitsOf(env, tenant?.rateLimits);
  const checks: LimitCheck[] = [
    // The user id is part of the key: device ids are chosen by clients, so
    // one person can never spend another person's bucket.
    { key: `sends:device:${access.tenant}:${access.userId}:${access.deviceId}`, limit: limits.sendsPerDevice },
  ];
  if (ip) checks.push({ key: `sends:ip:${access.tenant}:${ip}`, limit: limits.sendsPerIp });
  await enforceLimits(env, checks);
}
