// The per-isolate lease in front of the shared limiter (src/ratelimit/leased-buckets.ts):
// a lease request that never settles (a refill started by a request that has
// already answered, whose I/O the runtime then cancelled) must not leave the
// key's later requests waiting for ever.
import { describe, expect, it } from "vitest";
import { LeasedBuckets, type AskLease } from "../../src/ratelimit/leased-buckets";

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
});
