// A token bucket: `limit` tokens, refilled evenly over `periodSeconds`.
// Pure, so the limiter object and the tests share one definition.

export interface BucketLimit {
  limit: number;
  periodSeconds: number;
}

export interface BucketState {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
}

export interface TakeOutcome {
  state: BucketState;
  allowed: boolean;
  /** Whole seconds until one token is back; 0 when allowed. */
  retryAfter: number;
}

export function takeToken(state: BucketState | null, limit: BucketLimit, now: number): TakeOutcome {
  const perMs = limit.limit / (limit.periodSeconds * 1000);
  const previous = state ?? { tokens: limit.limit, at: now };
  const tokens = Math.min(limit.limit, previous.tokens + Math.max(0, now - previous.at) * perMs);
  if (tokens >= 1) return { state: { tokens: tokens - 1, at: now }, allowed: true, retryAfter: 0 };
  return { state: { tokens, at: now }, allowed: false, retryAfter: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
}

/**
 * Takes up to `want` whole tokens at once (a lease for a per-isolate
 * pre-check, src/ratelimit/leased-buckets.ts): `granted` may be 0..want;
 * with 0, `retryAfter` is the whole seconds until one token is back.
 */
export function takeTokens(state: BucketState | null, limit: BucketLimit, now: number, want: number): TakeOutcome & { granted: number } {
  const perMs = limit.limit / (limit.periodSeconds * 1000);
  const previous = state ?? { tokens: limit.limit, at: now };
  const tokens = Math.min(limit.limit, previous.tokens + Math.max(0, now - previous.at) * perMs);
  const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
  if (granted > 0) return { state: { tokens: tokens - granted, at: now }, allowed: true, retryAfter: 0, granted };
  return { state: { tokens, at: now }, allowed: false, retryAfter: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)), granted: 0 };
}
