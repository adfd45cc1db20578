// The pacing both pushes of a Conversation DO share (its directory row to D1,
// its summary to the owner's thread list): changes are gathered for a short
// delay, a busy thread pushes at most once per interval, and every change
// made meanwhile rides along with the next round.

/**
 * Rounds of a push loop: `mark()` records a change; `nextRound()` waits
 * until the next round is due and takes the changes, or says none wait.
 * `start(loop)` runs the owner's loop (`while (await rounds.nextRound())
 * push…`) unless one is running: a change meanwhile rides along with it.
 */
export class PacedRounds {
  private dirty = false;
  private roundAt = 0;
  private running: Promise<void> | null = null;

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

  /**
   * Runs `loop` unless a loop is running already. `loop` must not reject (it
   * reports its own failures). A change marked after the loop's last
   * `nextRound()` (while it was finishing) starts it again.
   */
  start(loop: () => Promise<void>): void {
    if (this.running) return;
    this.running = loop().finally(() => {
      this.running = null;
      if (this.dirty) this.start(loop);
    });
  }

  /** True when no loop runs and no change waits for one. */
  idle(): boolean {
    return this.running === null && !this.dirty;
  }

  /** Waits for the loop under way, if any (the alarm handler). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
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
