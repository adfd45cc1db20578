// At most one run of an async job at a time: the "run once, join it or run
// again when asked while it runs" pattern of the SDK (seeding, catch-up,
// outbox flush, the read cursor, session changes) and the widget (attaching).

/**
 * One slot for an async run. At most one run started through it is under
 * way at any moment (`running`); what a call does while one is:
 *
 * - `join(task)`: returns the run under way (its promise, same value or
 *   rejection); only when none is does it start `task`. `task` of a joining
 *   call is never run.
 * - `queue(task)`: starts `task` once the run under way has settled (its
 *   rejection is ignored here: the caller who started it sees it), never
 *   alongside it; the queued run is then the one under way, so later `join`s
 *   join it and later `queue`s wait for it.
 * - `rerun(task)`: starts `task` when idle; while a run is under way it
 *   asks for one more run after it instead. Any number of asks during one run
 *   collapse into a single re-run (of the task of the last ask), started as
 *   soon as that run settles, whether it resolved or rejected. Nobody awaits
 *   these runs: `task` handles its own failures (a rejection is unhandled).
 *
 * A run counts as under way from the call that starts it until its promise
 * settles; the slot is idle again in the same tick (before a re-run starts).
 * A task that throws synchronously counts as a rejected run.
 */
export class SingleFlight<T = void> {
  private current: Promise<T> | null = null;
  private again: (() => Promise<T>) | null = null;

  /** Whether a run is under way. */
  get running(): boolean {
    return this.current !== null;
  }

  join(task: () => Promise<T>): Promise<T> {
    return this.current ?? this.start(task);
  }

  queue(task: () => Promise<T>): Promise<T> {
    const previous = this.current;
    if (!previous) return this.start(task);
    return this.start(() => previous.then(task, task));
  }

  rerun(task: () => Promise<T>): void {
    if (this.current) this.again = task;
    else void this.start(task);
  }

  private start(task: () => Promise<T>): Promise<T> {
    let run: Promise<T>;
    try {
      run = task();
    } catch (err) {
      run = Promise.reject(err);
    }
    const p: Promise<T> = run.finally(() => {
      if (this.current !== p) return;
      this.current = null;
      const again = this.again;
      this.again = null;
      if (again) void this.start(again);
    });
    this.current = p;
    return p;
  }
}
