// The per-device session limit (`sessionsPerDevice`, src/ratelimit/limits.ts)
// counted in the person's Customer DO, which handles every session of the
// device anyway: signing in, refreshing, resuming a guest or redeeming a
// handoff on a named device costs no separate RateLimiter round trip. The
// bucket is stored in this object's SQLite, so it is exact and survives
// eviction, like the RateLimiter object it replaces on these paths. A brand
// new guest (a new Customer DO) is still counted by the shared limiter.
import { ServiceError } from "../protocol/errors";
import { takeToken, type BucketLimit } from "../ratelimit/token-bucket";

/** Session creations per device of this person, one token bucket per device. */
export class DeviceSessionLimit {
  /** `sql` holds table session_buckets (src/customer/schema.ts). */
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Takes one session creation for `deviceId`; no-op when `limit` is null (off).
   * @throws ServiceError rate_limited (429) with `retryAfter` in seconds.
   */
  take(deviceId: string, limit: BucketLimit | null | undefined, now = Date.now()): void {
    if (!limit) return;
    const row = this.sql.exec<{ tokens: number; at: number }>("SELECT tokens, at FROM session_buckets WHERE device_id = ?", deviceId).toArray()[0];
    const outcome = takeToken(row ?? null, limit, now);
    this.sql.exec(
      "INSERT INTO session_buckets (device_id, tokens, at) VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
      deviceId,
      outcome.state.tokens,
      outcome.state.at,
    );
    if (!outcome.allowed) {
      throw new ServiceError("rate_limited", `too many sessions on this device; retry in ${outcome.retryAfter} s`, { retryAfter: outcome.retryAfter });
    }
  }
}
