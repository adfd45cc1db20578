// The durable outbox of a Durable Object: entries are written in the same
// synchronous SQLite transaction as the change they report, then the DO's
// alarm expands each entry into one delivery per sink that wants it and sends
// them — one in flight per sink, in order (for a conversation), retried on a
// schedule — until each succeeded or failed. Every kind of sink (webhook
// endpoints, messenger platforms) rides on this one machinery.
import { applyMigrations } from "../sql-migrate";
import { deliveryStateOf, SCHEMA, truncateUtf8, type DeliveryRow } from "./delivery-rows";
import { expandEntries } from "./expand";
import { ATTEMPT_TIMEOUT_MS, errorText, nextDelay } from "./retry";
import { sinkKindOf, type AttemptOutcome, type DeliveryState, type OutboxEntry, type SinkKind, type StreamInfo } from "./sink";

/** A drain yields after this long and continues on the next alarm. */
const DRAIN_BUDGET_MS = 30_000;
/** When an index write or an expansion failed, try again this much later. */
const REDO_MS = 5_000;
const SUCCEEDED_KEPT_MS = 7 * 24 * 3600_000;
const FAILED_KEPT_MS = 30 * 24 * 3600_000;

export interface OutboxOptions {
  /**
   * true: one sink's deliveries go one at a time in enqueue (seq) order, a
   * failing one holding up the ones after it until it succeeds or fails (a
   * conversation). false: each delivery on its own (a tenant's pings).
   */
  ordered: boolean;
  /**
   * Asks the host object to run `drainAndArm()` from its alarm at or before
   * `at` (ms since the epoch). Hosts whose one alarm serves other jobs too
   * (the Conversation DO's named timers) pass their own; without it the
   * outbox sets the alarm itself, never later than one already set.
   */
  wake?: (at: number) => void;
  /**
   * Whether any sink may take `entry`; false skips it (no row, no alarm).
   * Must never answer false for an entry some sink would take (see
   * src/conversation/sink-interest.ts). Without it every entry is written.
   */
  wants?: (entry: OutboxEntry) => boolean;
}

/**
 * The outbox of one stream (a conversation, or a tenant's own deliveries).
 * `enqueue` is synchronous and arms the alarm; the owner's `alarm()` calls
 * `drainAndArm()`.
 */
export class Outbox {
  private running: Promise<number | null> | null = null;
  private recording: Promise<boolean> | null = null;
  private recordAgain = false;
  /** Running lanes by sink (ordered) or delivery id (unordered). */
  private readonly lanes = new Map<string, Promise<void>>();
  private expanding: Promise<boolean> | null = null;
  /** Something failed in this drain (a lookup, an index write): come back soon. */
  private redo = false;
  private cleanedAt = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly kinds: readonly SinkKind[],
    private readonly stream: () => StreamInfo | null,
    private readonly options: OutboxOptions,
  ) {
    applyMigrations(storage.sql, SCHEMA, "outbox_schema_version");
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /**
   * Records `entry` for delivery. Synchronous: called inside the transaction
   * of the change it reports, so both are committed or neither is.
   */
  enqueue(entry: OutboxEntry): void {
    if (this.options.wants && !this.options.wants(entry)) return;
    this.sql.exec("INSERT INTO outbox_entries (entry) VALUES (?)", JSON.stringify(entry));
    this.wake(Date.now());
    // A drain already running (waiting on a slow receiver) takes it on at once.
    if (this.running) void this.kick();
  }

  /** Makes one delivery due now (any status); false when there is no such delivery. */
  retry(id: string): boolean {
    const now = Date.now();
    const written = this.sql.exec(
      "UPDATE outbox_deliveries SET status = 'pending', next_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND in_flight = 0",
      now,
      now,
      id,
    ).rowsWritten;
    if (written > 0) this.wake(now);
    return written > 0 || this.sql.exec("SELECT 1 FROM outbox_deliveries WHERE id = ?", id).toArray().length > 0;
  }

  /** Makes every failed delivery of `sink` created at or after `since` (ms) due now; returns how many. */
  recover(sink: string, since: number): number {
    const now = Date.now();
    // RETURNING counts rows; rowsWritten would count index writes too.
    const recovered = this.sql
      .exec(
        `UPDATE outbox_deliveries SET status = 'pending', next_at = ?, updated_at = ?, version = version + 1
         WHERE sink = ? AND status = 'failed' AND created_at >= ? RETURNING n`,
        now,
        now,
        sink,
        since,
      )
      .toArray().length;
    if (recovered > 0) this.wake(now);
    return recovered;
  }

  /** One delivery's state, or null. */
  delivery(id: string): DeliveryState | null {
    const row = this.sql.exec<DeliveryRow>("SELECT * FROM outbox_deliveries WHERE id = ?", id).toArray()[0];
    return row ? deliveryStateOf(row) : null;
  }

  /**
   * The newest `limit` deliveries whose sink id starts with `sinkPrefix`
   * (`channel:`) and, given `beforeSeq`, whose seq is below it; oldest
   * first (by seq, then enqueue order), with the body each was built with.
   */
  list(sinkPrefix: string, limit = 100, beforeSeq?: number): (DeliveryState & { body: string })[] {
    return this.sql
      .exec<DeliveryRow>(
        "SELECT * FROM outbox_deliveries WHERE substr(sink, 1, ?1) = ?2 AND (?3 IS NULL OR seq < ?3) ORDER BY seq DESC, n DESC LIMIT ?4",
        sinkPrefix.length,
        sinkPrefix,
        beforeSeq ?? null,
        limit,
      )
      .toArray()
      .reverse()
      .map((row) => ({ ...deliveryStateOf(row), body: row.body }));
  }

  /** Drains, then sets the alarm for the next due attempt (keeping an earlier alarm). */
  async drainAndArm(): Promise<void> {
    const next = await this.drain();
    if (next === null) return;
    if (this.options.wake) return this.options.wake(next);
    const current = await this.storage.getAlarm();
    if (current === null || current > next || current < Date.now() - 1_000) await this.storage.setAlarm(next);
  }

  /** Has `drainAndArm()` run at or before `at`. */
  private wake(at: number): void {
    if (this.options.wake) this.options.wake(at);
    else void this.storage.setAlarm(at);
  }

  /**
   * Sends everything due. Resolves with when the next attempt is due (ms), or
   * null when nothing waits. Never runs twice at once: a call during a drain
   * starts lanes for what arrived meanwhile and shares that drain's result.
   */
  drain(): Promise<number | null> {
    if (this.running) {
      void this.kick();
      return this.running;
    }
    this.running = (async () => {
      try {
        return await this.drainOnce();
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async drainOnce(): Promise<number | null> {
    const stream = this.stream();
    if (!stream) return null;
    const started = Date.now();
    // A delivery marked in flight whose lane is not running here was cut off
    // by a crash or an eviction: it, and only it, is sent again.
    for (const row of this.sql.exec<{ n: number; sink: string; id: string }>("SELECT n, sink, id FROM outbox_deliveries WHERE in_flight = 1").toArray()) {
      if (!this.lanes.has(this.options.ordered ? row.sink : row.id)) {
        this.sql.exec("UPDATE outbox_deliveries SET in_flight = 0, next_at = ? WHERE n = ?", started, row.n);
      }
    }
    this.redo = false;
    await this.kick();
    // Lanes started meanwhile (kicked by new entries) are waited for too.
    while (this.lanes.size > 0) await Promise.all(this.lanes.values());
    if (!(await this.recordStates(stream))) this.redo = true;
    this.cleanUp();
    const due = this.nextDue();
    return this.redo ? Math.min(due ?? Number.POSITIVE_INFINITY, Date.now() + REDO_MS) : due;
  }

  /**
   * When this outbox next needs the alarm (ms), or null. Whoever else sets
   * the owner's alarm (a snooze, an idle timer) must set it no later than
   * this: the DO has one alarm, and a later one would hold deliveries back.
   */
  nextDue(): number | null {
    if (this.sql.exec("SELECT 1 FROM outbox_entries LIMIT 1").toArray().length > 0) return Date.now();
    if (!this.options.ordered) {
      return this.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox_deliveries WHERE status = 'pending'").one().at;
    }
    // Ordered: only each sink's head counts. The deliveries queued behind a
    // failing head keep their creation time as next_at; counting them would
    // set the alarm in the past and spin it until the head's retry is due.
    return this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(next_at) AS at FROM outbox_deliveries AS d WHERE status = 'pending'
         AND n = (SELECT MIN(n) FROM outbox_deliveries WHERE sink = d.sink AND status = 'pending')`,
      )
      .one().at;
  }

  /**
   * Expands new entries and starts a lane for every sink (ordered) or due
   * delivery (unordered) that has none running: a sink waiting on a slow
   * receiver never delays another sink's deliveries.
   */
  private async kick(): Promise<void> {
    const stream = this.stream();
    if (!stream) return;
    try {
      if (!(await this.expandSerially(stream))) this.redo = true;
      const deadline = Date.now() + DRAIN_BUDGET_MS;
      if (this.options.ordered) {
        const sinks = this.sql.exec<{ sink: string }>("SELECT DISTINCT sink FROM outbox_deliveries WHERE status = 'pending'").toArray();
        for (const { sink } of sinks) this.startLane(sink, () => this.sendInOrder(stream, sink, deadline), stream);
      } else {
        const due = this.sql
          .exec<DeliveryRow>("SELECT * FROM outbox_deliveries WHERE status = 'pending' AND in_flight = 0 AND next_at <= ? ORDER BY n LIMIT 100", Date.now())
          .toArray();
        for (const row of due) this.startLane(row.id, async () => void (await this.sendOne(stream, row)), stream);
      }
    } catch (err) {
      console.error("outbox: starting deliveries failed", err);
      this.redo = true;
    }
  }

  /** Runs `work` as the one lane of `key`; each lane's states are recorded when it ends. */
  private startLane(key: string, work: () => Promise<void>, stream: StreamInfo): void {
    if (this.lanes.has(key)) return;
    const lane = (async () => {
      try {
        await work();
      } catch (err) {
        console.error(`outbox: lane ${key} failed`, err);
        this.redo = true;
      } finally {
        this.lanes.delete(key);
      }
      if (!(await this.recordStates(stream))) this.redo = true;
    })();
    this.lanes.set(key, lane);
  }

  /** `expand`, one at a time: two expansions of one entry would make two deliveries. */
  private expandSerially(stream: StreamInfo): Promise<boolean> {
    const run = (this.expanding ?? Promise.resolve(true)).then(() => expandEntries(this.sql, this.kinds, stream));
    this.expanding = run.catch(() => false);
    return run;
  }

  /** One sink's deliveries, one at a time, in order, while they succeed and are due. */
  private async sendInOrder(stream: StreamInfo, sink: string, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const head = this.sql
        .exec<DeliveryRow>("SELECT * FROM outbox_deliveries WHERE sink = ? AND status = 'pending' ORDER BY n LIMIT 1", sink)
        .toArray()[0];
      if (!head || (head.next_at ?? 0) > Date.now()) return;
      const outcome = await this.sendOne(stream, head);
      // A failure holds the rest of this stream until its retry is due; a permanent one has nothing to wait for.
      if (!outcome || (!outcome.ok && !outcome.permanent)) return;
    }
  }

  private async sendOne(stream: StreamInfo, row: DeliveryRow): Promise<AttemptOutcome | null> {
    const kind = sinkKindOf(this.kinds, row.sink);
    if (!kind || !(await kind.active(stream, row.sink))) {
      this.failSink(row.sink, kind ? "endpoint disabled or deleted" : "unknown kind of sink");
      return null;
    }
    const attempt = row.attempts + 1;
    this.sql.exec(
      "UPDATE outbox_deliveries SET in_flight = 1, attempts = ?, updated_at = ?, version = version + 1 WHERE n = ?",
      attempt,
      Date.now(),
      row.n,
    );
    let outcome: AttemptOutcome;
    try {
      outcome = await kind.send(stream, { id: row.id, sink: row.sink, body: row.body, attempt }, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS));
    } catch (err) {
      outcome = { ok: false, status: null, error: errorText(err), response: null };
    }
    const now = Date.now();
    const response = outcome.response === null ? null : truncateUtf8(outcome.response);
    if (outcome.ok) {
      this.sql.exec(
        `UPDATE outbox_deliveries SET status = 'succeeded', in_flight = 0, next_at = NULL, last_status = ?, last_error = NULL,
         last_response = ?, updated_at = ?, version = version + 1 WHERE n = ?`,
        outcome.status,
        response,
        now,
        row.n,
      );
      return outcome;
    }
    const delay = outcome.gone || outcome.permanent ? null : nextDelay(attempt, outcome.retryAfterMs);
    this.sql.exec(
      `UPDATE outbox_deliveries SET status = ?, in_flight = 0, next_at = ?, last_status = ?, last_error = ?,
       last_response = ?, updated_at = ?, version = version + 1 WHERE n = ?`,
      delay === null ? "failed" : "pending",
      delay === null ? null : now + delay,
      outcome.status,
      outcome.error,
      response,
      now,
      row.n,
    );
    if (outcome.gone) {
      try {
        await kind.disable(stream, row.sink, outcome.error);
      } catch (err) {
        console.error(`outbox: disabling ${row.sink} failed`, err);
      }
      this.failSink(row.sink, "endpoint disabled: it answered 410 Gone");
    }
    return outcome;
  }

  /** A disabled or deleted sink: what waits for it fails (recover sends it again once it is back). */
  private failSink(sink: string, error: string): void {
    this.sql.exec(
      `UPDATE outbox_deliveries SET status = 'failed', next_at = NULL, last_error = COALESCE(last_error, ?), updated_at = ?,
       version = version + 1 WHERE sink = ? AND status = 'pending' AND in_flight = 0`,
      error,
      Date.now(),
      sink,
    );
  }

  /**
   * Hands changed states to their kinds (for listings); false when one of
   * them failed. Lanes ending together share one pass instead of each
   * writing every changed row.
   */
  private recordStates(stream: StreamInfo): Promise<boolean> {
    if (this.recording) {
      this.recordAgain = true;
      return this.recording;
    }
    this.recording = (async () => {
      try {
        let ok: boolean;
        do {
          this.recordAgain = false;
          ok = await this.recordOnce(stream);
        } while (this.recordAgain);
        return ok;
      } finally {
        this.recording = null;
      }
    })();
    return this.recording;
  }

  private async recordOnce(stream: StreamInfo): Promise<boolean> {
    const rows = this.sql.exec<DeliveryRow>("SELECT * FROM outbox_deliveries WHERE recorded < version ORDER BY n LIMIT 500").toArray();
    if (rows.length === 0) return true;
    let ok = true;
    for (const kind of this.kinds) {
      const mine = rows.filter((r) => sinkKindOf(this.kinds, r.sink) === kind);
      if (mine.length === 0 || !kind.record) continue;
      try {
        await kind.record(stream, mine.map(deliveryStateOf));
      } catch (err) {
        console.error(`outbox: recording ${kind.kind} delivery states failed; retrying`, err);
        ok = false;
        continue;
      }
      for (const r of mine) this.sql.exec("UPDATE outbox_deliveries SET recorded = ? WHERE n = ?", r.version, r.n);
    }
    for (const r of rows) if (!sinkKindOf(this.kinds, r.sink)?.record) this.sql.exec("UPDATE outbox_deliveries SET recorded = ? WHERE n = ?", r.version, r.n);
    return ok;
  }

  /** Forgets old finished deliveries (the index keeps their last state), at most hourly. */
  private cleanUp(): void {
    const now = Date.now();
    if (now - this.cleanedAt < 3600_000) return;
    this.cleanedAt = now;
    this.sql.exec(
      `DELETE FROM outbox_deliveries WHERE recorded = version AND
       ((status = 'succeeded' AND updated_at < ?) OR (status = 'failed' AND updated_at < ?))`,
      now - SUCCEEDED_KEPT_MS,
      now - FAILED_KEPT_MS,
    );
  }
}
