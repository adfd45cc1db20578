// Which limits apply: defaults, overridden by vars, overridden per tenant.
// Vars read "<limit>/<seconds>" (e.g. "60/60") or "off".
import * as z from "../zod";
import type { Env } from "../env";
import { ServiceError } from "../protocol/errors";
import { LeasedBuckets, type KeepAlive } from "./leased-buckets";
import type { BucketLimit } from "./token-bucket";

export const LIMIT_NAMES = ["sessionsPerIp", "sessionsPerDevice", "sendsPerDevice", "sendsPerIp", "uploadsPerDevice"] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export type Limits = Record<LimitName, BucketLimit | null>;

/**
 * Production defaults, per tenant unless the tenant or a var says otherwise.
 *
 * - sendsPerDevice 30 per 10 s: a person types a few messages a second at
 *   most; the bucket of 30 lets pasted lines and an outbox flushed after an
 *   offline stretch go through at once, and refills at 3 per second, so a
 *   script flooding one thread from one device is answered 429 within its
 *   first 31 messages (the SDK waits Retry-After and delivers the rest).
 * - sendsPerIp 300 per 10 s: an office or a mobile carrier's NAT puts many
 *   people behind one address; ten busy devices still pass.
 * - sessionsPerDevice 20 per minute: a device opens a session at sign-in and
 *   refreshes every ~13 minutes (once for all its tabs); 20 leaves room for
 *   sign-in, merges and retries, not for a loop.
 * - sessionsPerIp 120 per minute: new visitors behind one NAT each open one
 *   guest session; returning ones reuse their stored session.
 *
 * Benchmarks and tests that need more set their own with the RATE_LIMIT_* vars.
 */
export const DEFAULT_LIMITS: Limits = {
  sessionsPerIp: { limit: 120, periodSeconds: 60 },
  sessionsPerDevice: { limit: 20, periodSeconds: 60 },
  sendsPerDevice: { limit: 30, periodSeconds: 10 },
  sendsPerIp: { limit: 300, periodSeconds: 10 },
  // Each upload may be 25 MiB: a person sharing photos stays far below this.
  uploadsPerDevice: { limit: 30, periodSeconds: 60 },
};

export const LIMIT_VARS: Record<LimitName, keyof Env> = {
  sessionsPerIp: "RATE_LIMIT_SESSIONS_PER_IP",
  sessionsPerDevice: "RATE_LIMIT_SESSIONS_PER_DEVICE",
  sendsPerDevice: "RATE_LIMIT_SENDS_PER_DEVICE",
  sendsPerIp: "RATE_LIMIT_SENDS_PER_IP",
  uploadsPerDevice: "RATE_LIMIT_UPLOADS_PER_DEVICE",
};

export const BucketLimitSchema = z.strictObject({
  limit: z.number().check(z.int(), z.gte(1), z.lte(1_000_000)),
  periodSeconds: z.number().check(z.int(), z.gte(1), z.lte(86_400)),
});

/** Per-tenant overrides; `null` turns a limit off for the tenant. */
export const RateLimitsConfig = z.strictObject(
  Object.fromEntries(LIMIT_NAMES.map((name) => [name, z.optional(z.nullable(BucketLimitSchema))])) as Record<
    LimitName,
    z.ZodMiniOptional<z.ZodMiniNullable<typeof BucketLimitSchema>>
  >,
);
export type RateLimitsConfig = z.infer<typeof RateLimitsConfig>;

function parseVar(name: string, value: string): BucketLimit | null {
  if (value.trim() === "off") return null;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const parsed = match ? BucketLimitSchema.safeParse({ limit: Number(match[1]), periodSeconds: Number(match[2]) }) : null;
  if (!parsed?.success) throw new Error(`${name} must look like "60/60" (limit/seconds) or "off", not "${value}"`);
  return parsed.data;
}

let cached: { env: Env; limits: Limits } | undefined;

function limitsOfEnv(env: Env): Limits {
  if (cached?.env === env) return cached.limits;
  const limits = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value = env[LIMIT_VARS[name]];
    if (typeof value === "string" && value !== "") limits[name] = parseVar(LIMIT_VARS[name], value);
  }
  Object.freeze(limits);
  cached = { env, limits };
  return limits;
}

/** The limits of a tenant's overrides, per overrides object (a cached tenant keeps its object): no copy per request. */
const withOverrides = new WeakMap<RateLimitsConfig, { env: Env; limits: Readonly<Limits> }>();

/**
 * The limits that apply: the vars' (or the defaults), then the tenant's
 * `overrides`. Shared and frozen: callers read it, never change it.
 */
export function limitsOf(env: Env, overrides: RateLimitsConfig | undefined): Readonly<Limits> {
  if (!overrides) return limitsOfEnv(env);
  const hit = withOverrides.get(overrides);
  if (hit?.env === env) return hit.limits;
  const limits = { ...limitsOfEnv(env) };
  for (const name of LIMIT_NAMES) {
    const override = overrides[name];
    if (override !== undefined) limits[name] = override;
  }
  Object.freeze(limits);
  withOverrides.set(overrides, { env, limits });
  return limits;
}

export interface LimitCheck {
  /** The RateLimiter object's name: one bucket per scope and key. */
  key: string;
  limit: BucketLimit | null;
}

/**
 * Takes one token from each bucket (in parallel: one round trip of latency)
 * and fails with 429 when any is empty. A limiter that cannot be reached lets
 * the request through: losing a limit for a moment beats refusing everyone.
 */
export async function enforceLimits(env: Env, checks: LimitCheck[]): Promise<void> {
  const outcomes = await Promise.all(
    checks.map(async ({ key, limit }) => {
      if (!limit) return { allowed: true, retryAfter: 0 };
      try {
        return await env.RATE_LIMITER.getByName(key).take(limit);
      } catch (err) {
        console.error(`rate limiter ${key} unreachable; allowing`, err);
        return { allowed: true, retryAfter: 0 };
      }
    }),
  );
  const denied = outcomes.filter((o) => !o.allowed);
  if (denied.length > 0) {
    const retryAfter = Math.max(...denied.map((o) => o.retryAfter));
    throw new ServiceError("rate_limited", `too many requests; retry in ${retryAfter} s`, { retryAfter });
  }
}

const leased = new LeasedBuckets();

/**
 * Like enforceLimits for one per-IP check, through this isolate's pre-check
 * bucket (src/ratelimit/leased-buckets.ts): most requests make no round
 * trip; the shared RateLimiter object still bounds all isolates together.
 */
export async function enforceLeasedLimit(env: Env, check: LimitCheck, keepAlive?: KeepAlive): Promise<void> {
  if (!check.limit) return;
  const ask = (key: string, limit: BucketLimit, want: number) => env.RATE_LIMITER.getByName(key).lease(limit, want);
  // Most requests are answered from the isolate's lease at once; only the others wait for the shared bucket.
  const outcome = leased.takeHeld(check.key, check.limit, ask, keepAlive) ?? (await leased.take(check.key, check.limit, ask, keepAlive));
  if (!outcome.allowed) {
    throw new ServiceError("rate_limited", `too many requests; retry in ${outcome.retryAfter} s`, { retryAfter: outcome.retryAfter });
  }
}
