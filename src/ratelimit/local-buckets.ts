// Token buckets held in one object's memory, for limits that object can
// enforce alone: a Conversation DO limiting `send` frames per device without
// a round trip to a RateLimiter object for every frame. Forgotten when the
// object hibernates, which only ever makes the limit more lenient.
import { ServiceError } from "../protocol/errors";
import { takeToken, type BucketLimit, type BucketState } from "./token-bucket";

const MAX_KEYS = 10_000;

export class LocalBuckets {
  private readonly states = new Map<string, BucketState>();

  /** Takes a token for `key`, or throws rate_limited with the seconds to wait. */
  take(key: string, limit: BucketLimit | null, now = Date.now()): void {
    if (!limit) return;
    const outcome = takeToken(this.states.get(key) ?? null, limit, now);
    if (this.states.size >= MAX_KEYS && !this.states.has(key)) this.states.clear();
    this.states.set(key, outcome.state);
    if (!outcome.allowed) {
      throw new ServiceError("rate_limited", `too many messages from this device; retry in ${outcome.retryAfter} s`, {
        retryAfter: outcome.retryAfter,
      });
    }
  }
}
