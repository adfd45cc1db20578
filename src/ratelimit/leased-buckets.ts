// A per-isolate pre-check in front of the shared RateLimiter objects, for the
// per-IP limits every customer send and session pays: the isolate takes a
// small lease of tokens from the key's RateLimiter object at once and spends
// them locally, asking again (in the background) when the lease runs low, so
// most requests make no limiter round trip.
//
// Why this keeps the guarantees (and not the Workers Rate Limiting binding,
// which counts per location and only in 10 or 60 s periods, with limits fixed
// in wrangler.toml — ours come from vars and per-tenant config):
// - Exact ceiling: every token spent here was first taken from the shared
//   bucket, so all isolates together never let more through than the limit.
//   Tokens an isolate holds and does not spend are simply not used (only ever
//   stricter), and a lease older than LEASE_MS is dropped rather than burst.
// - No starvation: leases, refusals and the shared buckets are all per key
//   (scope + tenant + IP). A flooding address drains its own bucket and then
//   is refused here without a round trip (until a token would be back), which
//   also keeps the flood off its RateLimiter object; no other key shares
//   anything with it but the map's capacity, and clearing that map only drops
//   leases (stricter), never a refusal of someone else.
import type { BucketLimit } from "./token-bucket";

/** Unspent leased tokens older than this are dropped (ms). */
const LEASE_MS = 2_000;
const MAX_KEYS = 10_000;
/**
 * The largest lease: at most this many requests of one key skip the round
 * trip in a row. Only limits above 20 × MAX_LEASE per period reach it (the
 * production defaults lease 6 and 15); a busy key with such a limit then asks
 * the shared bucket once per 50 requests or so, not once per 10.
 */
const MAX_LEASE = 100;

/** How many tokens one lease asks for: a twentieth of the limit, 1 to MAX_LEASE. */
export function leaseSize(limit: BucketLimit): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(limit.limit / 20)));
}

export interface LeaseAnswer {
  granted: number;
  retryAfter: number;
}

interface KeyState {
  tokens: number;
  /** When the tokens held were leased (ms). */
  leasedAt: number;
  /** Refused by the shared bucket until then (ms); 0 when not refused. */
  refusedUntil: number;
  retryAfter: number;
  asking: Promise<boolean> | null;
  /** When `asking` was started (ms). */
  askedAt: number;
  /** Counts lease requests, so a given-up one never clears its successor. */
  generation: number;
  /** Requests of this isolate waiting for a token of this key. */
  waiting: number;
}

/**
 * A lease request older than this is given up and asked again (ms): a
 * request's I/O is cancelled when it has answered, so a refill it started and
 * nobody kept alive would otherwise never settle, and every later request of
 * the key in this isolate would wait on it for ever.
 */
const ASK_STALE_MS = 3_000;

/** Keeps a background promise running after the request answered (ExecutionContext.waitUntil). */
export type KeepAlive = (promise: Promise<unknown>) => void;

/** Takes a lease of up to `want` tokens from the key's shared bucket (a RateLimiter object). */
export type AskLease = (key: string, limit: BucketLimit, want: number) => Promise<LeaseAnswer>;

/** Per-isolate pre-check buckets (one instance per isolate, module scope). */
export class LeasedBuckets {
  private readonly keys = new Map<string, KeyState>();

  /**
   * `take` without waiting: the answer when the isolate holds a token of
   * `key` (spent) or the key is refused for now; null when only the shared
   * bucket can tell (then call `take`).
   */
  takeHeld(key: string, limit: BucketLimit, ask: AskLease, keepAlive?: KeepAlive): { allowed: boolean; retryAfter: number } | null {
    const state = this.keys.get(key);
    if (!state) return null;
    const now = Date.now();
    if (now - state.leasedAt > LEASE_MS) state.tokens = 0;
    if (state.tokens >= 1) return this.spend(key, state, limit, ask, keepAlive);
    if (state.refusedUntil > now) return { allowed: false, retryAfter: state.retryAfter };
    return null;
  }

  /** Spends one held token of `key`, and asks for the next lease in the background when few are left. */
  private spend(key: string, state: KeyState, limit: BucketLimit, ask: AskLease, keepAlive?: KeepAlive): { allowed: true; retryAfter: 0 } {
    state.tokens--;
    if (state.tokens <= Math.floor(leaseSize(limit) / 2)) {
      const refill = this.refill(key, state, limit, ask);
      if (keepAlive) keepAlive(refill);
    }
    return { allowed: true, retryAfter: 0 };
  }

  /**
   * Takes one token for `key`: from the isolate's lease when it has one
   * (refilled in the background when low), else after asking the shared
   * bucket. Answers the seconds to wait when refused. A shared bucket that
   * cannot be reached lets the request through, as enforceLimits does.
   * `keepAlive` (the request's waitUntil) keeps a background refill alive
   * after this request has answered.
   */
  async take(key: string, limit: BucketLimit, ask: AskLease, keepAlive?: KeepAlive): Promise<{ allowed: boolean; retryAfter: number }> {
    const state = this.stateOf(key);
    state.waiting++;
    try {
      // A lease that arrived may have gone to concurrent requests: ask again
      // until a token is had or the shared bucket refuses (it grants at least
      // one per round to someone, and asks for as many as are waiting).
      for (;;) {
        const now = Date.now();
        if (now - state.leasedAt > LEASE_MS) state.tokens = 0;
        if (state.tokens >= 1) return this.spend(key, state, limit, ask, keepAlive);
        if (state.refusedUntil > now) return { allowed: false, retryAfter: state.retryAfter };
        const asked = await this.waitFor(this.refill(key, state, limit, ask));
        if (asked === "stale") continue;
        if (!asked) return { allowed: true, retryAfter: 0 };
      }
    } finally {
      state.waiting--;
    }
  }

  /** `asking`, or "stale" once it has taken longer than ASK_STALE_MS (the next round asks again). */
  private async waitFor(asking: Promise<boolean>): Promise<boolean | "stale"> {
    let timer: ReturnType<typeof setTimeout> | null = null;
    try {
      return await Promise.race([asking, new Promise<"stale">((resolve) => (timer = setTimeout(() => resolve("stale"), ASK_STALE_MS + 50)))]);
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear();
      state = { tokens: 0, leasedAt: 0, refusedUntil: 0, retryAfter: 0, asking: null, askedAt: 0, generation: 0, waiting: 0 };
      this.keys.set(key, state);
    }
    return state;
  }

  /**
   * One lease request per key at a time; concurrent callers wait for the same
   * one. Resolves false when the shared bucket could not be reached (logged).
   */
  private refill(key: string, state: KeyState, limit: BucketLimit, ask: AskLease): Promise<boolean> {
    if (state.asking && Date.now() - state.askedAt > ASK_STALE_MS) state.asking = null;
    if (state.asking) return state.asking;
    state.askedAt = Date.now();
    const generation = ++state.generation;
    state.asking = (async () => {
      // Settles after the assignment below, so the finally never clears a newer lease request.
      await Promise.resolve();
      try {
        const answer = await ask(key, limit, Math.max(leaseSize(limit), state.waiting));
        const now = Date.now();
        if (now - state.leasedAt > LEASE_MS) state.tokens = 0;
        state.tokens += answer.granted;
        state.leasedAt = now;
        if (answer.granted > 0) {
          state.refusedUntil = 0;
        } else {
          // Refused until one token is back in the shared bucket (at least its rate, at most retryAfter).
          state.retryAfter = answer.retryAfter;
          state.refusedUntil = now + Math.min(answer.retryAfter * 1000, (limit.periodSeconds * 1000) / limit.limit);
        }
        return true;
      } catch (err) {
        console.error(`rate limiter ${key} unreachable; allowing`, err);
        return false;
      } finally {
        if (state.generation === generation) state.asking = null;
      }
    })();
    return state.asking;
  }
}
