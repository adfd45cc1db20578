// Reconnect and retry delays: exponential growth capped at `max`, with
// "equal jitter" so a crowd of clients does not come back in lockstep.

export interface BackoffOptions {
  min: number;
  max: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/** The ceiling of the delay for a 0-based attempt: min·2^attempt, at most max. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const min = Math.max(0, options.min);
  const max = Math.max(min, options.max);
  return Math.min(max, min * 2 ** Math.min(Math.max(0, attempt), 30));
}

/** A delay in [ceiling/2, ceiling] for the given 0-based attempt. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = backoffCeiling(attempt, options);
  const random = options.random ?? Math.random;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + r * (ceiling / 2));
}

/** Counts consecutive failures and hands out the next delay. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions) {}

  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    return backoffDelay(this.attempt++, this.options);
  }

  reset(): void {
    this.attempt = 0;
  }
}
