// Named timers of one Conversation DO on its single alarm: each kind
// ("snooze", "idle-return", "directory", "summary", …) has at most one due
// time, stored in SQLite so it survives eviction; the alarm is always set to
// the earliest. The DO's alarm() runs the due kinds and re-arms.

export class Timers {
  /**
   * The table in memory (kind → due ms), read once: this class is its only
   * writer and nothing rolls its writes back, so the copy stays exact and
   * `at` and `arm` read no SQL (an append asks `at` twice).
   */
  private cache: Map<string, number> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {}

  /** Sets `kind` to fire at `at` (ms since the epoch), replacing its earlier time. */
  set(kind: string, at: number): void {
    this.sql.exec("INSERT INTO timers (kind, at) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at = excluded.at", kind, at);
    this.load().set(kind, at);
    this.arm();
  }

  /** Sets `kind` to fire at `at` unless it already fires earlier. */
  setEarliest(kind: string, at: number): void {
    const current = this.at(kind);
    if (current === null || at < current) this.set(kind, at);
  }

  clear(kind: string): void {
    if (!this.load().has(kind)) return;
    this.sql.exec("DELETE FROM timers WHERE kind = ?", kind);
    this.load().delete(kind);
    this.arm();
  }

  at(kind: string): number | null {
    return this.load().get(kind) ?? null;
  }

  /**
   * The kinds due at `now`, removed from the table (a kind that must run again
   * sets itself again). Read from SQL, not the copy (only the alarm calls it),
   * and the copy is read again afterwards.
   */
  takeDue(now = Date.now()): string[] {
    const due = this.sql.exec<{ kind: string }>("SELECT kind FROM timers WHERE at <= ? ORDER BY at", now).toArray().map((r) => r.kind);
    if (due.length > 0) this.sql.exec("DELETE FROM timers WHERE at <= ?", now);
    this.cache = null;
    return due;
  }

  /**
   * Takes the due kinds and runs each one's handler in due order, waiting for
   * one that returns a promise before the next. A kind without a handler
   * (the outbox's: the alarm drains it anyway) is only taken.
   */
  async runDue(handlers: { readonly [kind: string]: () => unknown }, now = Date.now()): Promise<void> {
    for (const kind of this.takeDue(now)) {
      const running = handlers[kind]?.();
      if (running instanceof Promise) await running;
    }
  }

  /** Points the DO's alarm at the earliest timer (or clears it). Writes are ordered by the output gate. */
  arm(): void {
    let next: number | null = null;
    for (const at of this.load().values()) if (next === null || at < next) next = at;
    if (next === null) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(next);
  }

  private load(): Map<string, number> {
    this.cache ??= new Map(this.sql.exec<{ kind: string; at: number }>("SELECT kind, at FROM timers").toArray().map((r) => [r.kind, r.at]));
    return this.cache;
  }
}
