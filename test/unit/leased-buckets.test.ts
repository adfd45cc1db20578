// The per-isolate lease in front of the shared limiter (src/ratelimit/leased-buckets.ts):
// a lease request that never settles (a refill started by a request that has
// already answered, whose I/O the runtime then cancelled) must not leave the
// key's later requests waiting for ever.
import { describe, expect, it } from "vitest";
import { LeasedBuckets, leaseSize, type AskLease } from "../../src/ratelimit/leased-buckets";

const LIMIT = { limit: 100, periodSeconds: 60 };

describe("leased buckets", () => {
  it("a lease request that never settles is given up and asked again; the background refill is handed to keepAlive", async () => {
    const buckets = new LeasedBuckets();
    let asks = 0;
    // First lease: 5 tokens. Second (the background refill): never settles, as a cancelled RPC. Then: 5 again.
    const ask: AskLease = async () => {
      asks++;
      if (asks === 2) return new Promise(() => undefined);
      return { granted: 5, retryAfter: 0 };
    };
    const kept: Promise<unknown>[] = [];
    const take = () => buckets.take("k", LIMIT, ask, (p) => kept.push(p));
    for (let i = 0; i < 5; i++) expect(await take()).toEqual({ allowed: true, retryAfter: 0 });
    // The background refill started while tokens ran low was handed over to be kept alive.
    expect(kept.length).toBeGreaterThanOrEqual(1);
    // The lease is spent and its refill hangs: the next request still gets an answer.
    const started = Date.now();
    expect(await take()).toEqual({ allowed: true, retryAfter: 0 });
    expect(asks).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 20_000);

  it("takeHeld answers from the isolate's lease without waiting, never spends more than was granted, and keeps a refusal", async () => {
    const buckets = new LeasedBuckets();
    // The shared bucket: 12 tokens in all, then refusals with a 30 s wait.
    let left = 12;
    const ask: AskLease = async (_key, _limit, want) => {
      const granted = Math.min(want, left);
      left -= granted;
      return { granted, retryAfter: granted > 0 ? 0 : 30 };
    };
    // A key never asked for: only the shared bucket can tell.
    expect(buckets.takeHeld("k", LIMIT, ask)).toBeNull();
    let allowed = 0;
    let refused: { allowed: boolean; retryAfter: number } | null = null;
    for (let i = 0; i < 40 && !refused; i++) {
      const answer = buckets.takeHeld("k", LIMIT, ask) ?? (await buckets.take("k", LIMIT, ask));
      if (answer.allowed) allowed++;
      else refused = answer;
      // Let a background refill land.
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(allowed).toBe(12);
    expect(refused).toEqual({ allowed: false, retryAfter: 30 });
    // Refused for now, answered at once from the isolate's memory.
    expect(buckets.takeHeld("k", LIMIT, ask)).toEqual({ allowed: false, retryAfter: 30 });
    // Another key shares nothing with it.
    expect(buckets.takeHeld("other", LIMIT, ask)).toBeNull();
  });

  it("leases a twentieth of the limit: the production defaults unchanged, large limits at most 100 at a time", () => {
    // DEFAULT_LIMITS (src/ratelimit/limits.ts): sendsPerIp 300 per 10 s, sessionsPerIp 120 per minute.
    expect(leaseSize({ limit: 300, periodSeconds: 10 })).toBe(15);
    expect(leaseSize({ limit: 120, periodSeconds: 60 })).toBe(6);
    expect(leaseSize({ limit: 3, periodSeconds: 60 })).toBe(1);
    expect(leaseSize({ limit: 1_000_000, periodSeconds: 10 })).toBe(100);
  });
});
