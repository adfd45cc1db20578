// When a failed delivery is tried again (API.md "Webhooks" → order and
// retries): about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failed
// attempt, with jitter, or the receiver's Retry-After (capped at 24 h).

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay after failed attempt n (n = 1 … 7); after the 8th attempt the delivery fails. */
export const RETRY_SCHEDULE_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;

/** The most a Retry-After may postpone an attempt. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** No answer within this time is a failed attempt. */
export const ATTEMPT_TIMEOUT_MS = 15 * SECOND;

/**
 * The delay before the next attempt after failed attempt `attempts` (1-based),
 * or null when the schedule is over. `retryAfterMs` (from the answer) replaces
 * the scheduled delay; otherwise ±20 % jitter spreads retries of many streams.
 */
export function nextDelay(attempts: number, retryAfterMs: number | undefined, random = Math.random()): number | null {
  const scheduled = RETRY_SCHEDULE_MS[attempts - 1];
  if (scheduled === undefined) return null;
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  return Math.round(scheduled * (0.8 + 0.4 * random));
}

/**
 * A Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) in
 * ms from `now`, capped at 24 h; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * SECOND, MAX_RETRY_AFTER_MS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

/** What a thrown attempt error reads as in a delivery's `lastError` (a timeout says how long it waited). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.name === "TimeoutError" ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : err.message;
  return String(err);
}
