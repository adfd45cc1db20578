// Small statistics over samples: percentiles (nearest rank), median, spread.

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every round's value, in the order measured. */
  rounds: number[];
}

export function summarize(rounds: readonly number[]): Summary {
  return { median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds), rounds: [...rounds] };
}

/** What a series summarizes to: always a Summary for plain numbers, null too where a round can be missing. */
export type SummaryOf<V extends number | null> = null extends V ? Summary | null : Summary;

/**
 * Per-scenario series measured round by round (req/s, ms per request, …).
 * `of(name)` summarizes one scenario's rounds; `ratio(name, base)` summarizes
 * its quotient by `base`'s round by round (the two run in the same rounds, so
 * drift of the machine hits both). A series with a missing round (null) gives null.
 * @throws Error when a name has no series (a typo in the bench, not a missing reading)
 */
export function roundSeries<V extends number | null>(series: Readonly<Record<string, readonly V[]>>): {
  of(name: string): SummaryOf<V>;
  ratio(name: string, base: string): SummaryOf<V>;
} {
  const known = (name: string): number[] | null => {
    const values = series[name];
    if (!values) throw new Error(`no series named "${name}"`);
    return values.every((v) => v !== null) ? (values as readonly number[]).slice() : null;
  };
  return {
    of: (name) => {
      const values = known(name);
      return (values ? summarize(values) : null) as SummaryOf<V>;
    },
    ratio: (name, base) => {
      const [a, b] = [known(name), known(base)];
      return (a && b ? summarize(a.map((v, i) => v / b[i]!)) : null) as SummaryOf<V>;
    },
  };
}
