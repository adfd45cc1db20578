// Reconnect delays: they grow, stay within their jitter bounds and stop at the cap.
import { describe, expect, it } from "vitest";
import { Backoff, backoffCeiling, backoffDelay } from "../../src/client/backoff.ts";

describe("backoff with jitter", () => {
  const options = { min: 100, max: 5_000 };

  it("doubles the ceiling per attempt up to the maximum", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20, 1_000].map((a) => backoffCeiling(a, options))).toEqual([
      100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000,
    ]);
  });

  it("keeps every delay within [ceiling/2, ceiling]", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = backoffCeiling(attempt, options);
      expect(backoffDelay(attempt, { ...options, random: () => 0 })).toBe(ceiling / 2);
      expect(backoffDelay(attempt, { ...options, random: () => 0.999999 })).toBe(ceiling);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, options);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it("spreads clients apart: the same attempt gives different delays", () => {
    const delays = new Set(Array.from({ length: 40 }, () => backoffDelay(6, options)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it("tolerates a random source outside [0, 1) and a max below min", () => {
    expect(backoffDelay(3, { ...options, random: () => 7 })).toBe(800);
    expect(backoffDelay(3, { ...options, random: () => -1 })).toBe(400);
    expect(backoffCeiling(5, { min: 300, max: 10 })).toBe(300);
  });

  it("counts failures until reset", () => {
    const b = new Backoff({ ...options, random: () => 0.999999 });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
