// The history window of one conversation handle over HTTP: seeded once with
// the conversation's state and newest page, caught up after the last seq held
// (while the socket is down, or after a gap), and paged backwards on request.
import type { Event } from "../protocol/event";
import { isEvent } from "../protocol/wire";
import * as paths from "./api-paths";
import { Backoff, type BackoffOptions } from "./backoff";
import { isTransient } from "./errors";
import { isRecord } from "./http";
import type { Outbox } from "./outbox";
import type { Session } from "./session";
import { SingleFlight } from "./single-flight";
import type { Timeline } from "./timeline";

export interface HistoryDeps {
  id: string;
  session: Pick<Session, "request">;
  timeline: Timeline;
  outbox: Outbox;
  /** Events per page for the first load and loadOlder. */
  pageSize: number;
  backoff: BackoffOptions;
  /** The first page is in the timeline: `info` is the body of GET /v1/conversations/{id}. */
  onSeeded(info: unknown): void;
  /** Events fetched after the last seq held (the handle puts them into the timeline). */
  ingest(events: readonly Event[]): void;
  onChange(): void;
  report(err: unknown): void;
}

/** Catch-up events per request: a long offline period comes in a few large pages. */
const CATCH_UP_PAGE = 500;
/** `before` for the newest page: every seq is below it. */
const LATEST = Number.MAX_SAFE_INTEGER;

/** The events of a page answer; anything that is no event is left out. */
export function eventsOf(body: unknown): Event[] {
  if (!isRecord(body) || !Array.isArray(body.events)) return [];
  return body.events.filter(isEvent);
}

/** Seeding, catch-up and older pages of one conversation's history. */
export class HistorySync {
  private readonly seeding = new SingleFlight();
  private readonly catching = new SingleFlight();
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The highest seq the server said exists (acks, ready cursors, events seen). */
  private knownSeq = 0;
  private stopped = false;

  constructor(private readonly deps: HistoryDeps) {
    this.backoff = new Backoff(deps.backoff);
  }

  /** The server said `seq` exists (an ack, a `ready` cursor, an event). */
  noteSeq(seq: number): void {
    this.knownSeq = Math.max(this.knownSeq, seq);
  }

  /** Loads conversation state and the newest page of history, once; callers meanwhile wait for the same load. */
  seed(): Promise<void> {
    if (this.deps.timeline.isSeeded) return Promise.resolve();
    return this.seeding.join(async () => {
      const { session, timeline, outbox, id } = this.deps;
      const [info, page] = await Promise.all([
        session.request("GET", paths.conversation(id)),
        session.request("GET", paths.events(id, "before", LATEST, this.deps.pageSize)),
      ]);
      timeline.seed(eventsOf(page.body));
      this.deps.onSeeded(info.body);
      // Stored messages the server already holds (acknowledged, then a reload before removal).
      for (const entry of [...outbox.entries]) {
        if (timeline.findByClientId(entry.clientId)) await outbox.remove(entry.clientId);
      }
      this.deps.onChange();
    });
  }

  /** Fetches everything after the last seq held over HTTP; asked again while at it, it goes once more. */
  catchUp(): void {
    if (!this.stopped) this.catching.rerun(() => this.catchUpOnce());
  }

  /** Fetches up to `seq` when the window ends before it (an ack without its event, from an older server). */
  catchUpTo(seq: number): void {
    if (seq > this.deps.timeline.lastSeq) this.catchUp();
  }

  /** Loads the page before the first seq held; false when there is none (or it added nothing). */
  async loadOlder(limit: number): Promise<boolean> {
    await this.seed();
    const before = this.deps.timeline.firstSeq;
    if (before <= 1) return false;
    const answer = await this.deps.session.request("GET", paths.events(this.deps.id, "before", before, limit));
    const added = this.deps.timeline.prepend(eventsOf(answer.body));
    if (added > 0) this.deps.onChange();
    return added > 0;
  }

  /** The handle closed: no more requests start. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async catchUpOnce(): Promise<void> {
    if (this.stopped) return;
    const { timeline, session, id } = this.deps;
    try {
      await this.seed();
      for (;;) {
        const after = timeline.lastSeq;
        const answer = await session.request("GET", paths.events(id, "after", after, CATCH_UP_PAGE));
        this.deps.ingest(eventsOf(answer.body));
        if (!(isRecord(answer.body) && answer.body.hasMore === true) || timeline.lastSeq === after) break;
      }
      this.backoff.reset();
    } catch (err) {
      this.deps.report(err);
      // Behind a seq the server announced (an ack, a ready cursor): try again later.
      if (isTransient(err) && timeline.lastSeq < this.knownSeq) this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.deps.timeline.lastSeq < this.knownSeq) this.catchUp();
    }, this.backoff.next());
  }
}
