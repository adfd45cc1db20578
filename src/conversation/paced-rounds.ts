// The pacing both pushes of a Conversation DO share (its directory row to D1,
// its summary to the owner's thread list): changes are gathered for a short
// delay, a busy thread pushes at most once per interval, and every change
// made meanwhile rides along with the next round.

/**
 * Rounds of a push loop: `mark()` records a change; `nextRound()` waits
 * until the next round is due and takes the changes, or says none wait. The
 * owner runs one loop at a time: `while (await rounds.nextRound()) push…`.
 */
export class PacedRounds {
  private dirty = false;
  private roundAt = 0;

  /**
   * @param delayMs how long the first change is gathered before its round
   * @param intervalMs the least time between the starts of two rounds
   */
  constructor(
    private readonly delayMs: number,
    private readonly intervalMs: number,
  ) {}

  /** Something changed: the next round carries it. */
  mark(): void {
    this.dirty = true;
  }

  /** Waits for the round that carries the marked changes and takes them; false at once when none are marked. */
  async nextRound(): Promise<boolean> {
    if (!this.dirty) return false;
    const wait = Math.max(this.delayMs, this.roundAt + this.intervalMs - Date.now());
    await new Promise((resolve) => setTimeout(resolve, wait));
    this.dirty = false;
    this.roundAt = Date.now();
    return true;
  }
}
