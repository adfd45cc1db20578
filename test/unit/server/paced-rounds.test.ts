// PacedRounds (src/conversation/paced-rounds.ts), the pacing of a Conversation
// DO's directory and thread-list pushes: a change marked while the loop is
// finishing (after its last nextRound()) still gets a round.
import { describe, expect, it, vi } from "vitest";
import { PacedRounds } from "../../../src/conversation/paced-rounds";

describe("PacedRounds", () => {
  it("starts the loop again for a change marked after its last round was taken", async () => {
    vi.useFakeTimers();
    try {
      const rounds = new PacedRounds(150, 1_000);
      const pushed: number[] = [];
      let changes = 0;
      const loop = async () => {
        while (await rounds.nextRound()) pushed.push(changes);
        // The loop saw no mark and is finishing: a change lands now (another handler's continuation).
        if (changes === 1) {
          changes = 2;
          rounds.mark();
          rounds.start(loop); // ignored: a loop is still running
        }
      };
      changes = 1;
      rounds.mark();
      rounds.start(loop);
      expect(rounds.idle()).toBe(false);
      await vi.advanceTimersByTimeAsync(150);
      expect(pushed).toEqual([1]);
      // The restarted loop takes the late change one interval after the first round.
      await vi.advanceTimersByTimeAsync(1_000);
      expect(pushed).toEqual([1, 2]);
      await rounds.settled();
      expect(rounds.idle()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
