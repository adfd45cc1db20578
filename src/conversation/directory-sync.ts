// Keeps this conversation's directory row in D1 current: changes are gathered
// (debounced, at most one push per DIRECTORY_INTERVAL_MS for a busy thread),
// then one versioned write carries the row and the text of every new
// message — handed to the thread's InboxFeed shard, which writes the rows of
// all its threads that changed within its flush interval in one D1 batch and
// then feeds them to the inbox sockets. The "directory" timer is the backstop
// that makes a change reach the directory even if the object is evicted
// before its push: armed by the first change of a busy spell (BACKSTOP_MS
// ahead) and kept while the thread is busy, so an append neither writes nor
// re-arms it; brought forward to RETRY_MS after a failed push; and cleared
// (by an in-memory timeout, not an alarm) once the spell has been quiet for
// QUIET_MS after its last push, so a spell that ends normally within about
// BACKSTOP_MS of its start costs no alarm at all.
// A push is cheap on the object's side: one read of the events since the last
// push (their text, and the last event for the preview), the "pushed" mark
// and the timer's state kept in memory, the mark written down only now and
// then (see save). A busy thread's push reads nothing: the events appended
// since the last push are handed over by the event store as they are written
// (appended), contiguous by seq; SQL is read only after a wake-up or a gap.
// Measurements: bench/BENCHMARKS.md, "Appends over 100 conversations" and
// "Follow-up (branch perf-spread)".
import type { ChannelKind } from "../channels/settings";
import type { DirectoryEntry, DirectoryWrite, IndexedText } from "../directory/conversation-index";
import type { Content } from "../protocol/content";
import type { LastEventPreview } from "../protocol/directory";
import type { Event } from "../protocol/event";
import { sliceWhole } from "../protocol/text";
import type { EventStore } from "./event-store";
import type { ConversationMeta } from "./meta";
import { PacedRounds } from "./paced-rounds";
import { customerSummaryOf, stateOf } from "./state";
import type { Timers } from "./timers";

/** How long changes are gathered before a push… */
export const DIRECTORY_DELAY_MS = 150;
/**
 * …and the least time between two pushes of one busy thread. A change waits
 * at most this long for its push, then up to INBOX_FLUSH_MS at the shard and
 * the D1 write: 1 + 0.25 s and the write, inside the contract's 2 s
 * (docs/ARCHITECTURE.md "Directory freshness, guaranteed"). Each push costs
 * D1 a row (bench/BENCHMARKS.md); 1.5 s was tried and left the D1 write only
 * 250 ms of the contract's margin for no gain the bench could show.
 */
export const DIRECTORY_INTERVAL_MS = 1_000;
/**
 * While a thread is busy its backstop alarm is this far ahead: the bound on
 * how late a change cut off by an eviction (a deploy, a crash) reaches the
 * directory. An alarm costs an invocation and two alarm writes, which a busy
 * thread paid every 5 s before 2026-12-01 (bench/BENCHMARKS.md, "Each
 * scenario pays for its own upkeep").
 */
export const BACKSTOP_MS = 30_000;
/** A failed push (the shard or D1 refused it) is retried by the alarm this soon. */
export const RETRY_MS = 5_000;
/** A busy spell ends when nothing changed for this long after its last push: the timer is cleared, no alarm runs. */
export const QUIET_MS = 2_000;
/** Events read (and their messages indexed) per push; a longer backlog takes several pushes. */
const EVENTS_PER_PUSH = 200;
/** The pushed mark is written down every this many pushes of a busy spell, and at its end. */
const SAVE_EVERY = 20;
const PREVIEW_CHARS = 140;

/** The searchable text of a message's content (text, captions, titles). */
export function textOf(content: Content): string {
  switch (content.type) {
    case "text":
      return content.text;
    case "media":
      return content.caption ?? "";
    case "buttons":
      return content.text;
    case "cards":
      return content.cards.map((c) => [c.title, c.subtitle ?? ""].join(" ")).join(" ");
    case "receipt":
      return `${content.orderId} ${content.items.map((i) => i.title).join(" ")}`;
    case "payment_request":
      return content.description;
    case "postback":
      return content.title;
  }
}

function previewOf(event: Event): LastEventPreview {
  const text = event.type === "message.created" ? textOf(event.content) : "";
  return {
    seq: event.seq,
    type: event.type,
    at: event.at,
    sender: event.sender,
    preview: text.length > PREVIEW_CHARS ? `${sliceWhole(text, 0, PREVIEW_CHARS - 1)}…` : text,
  };
}

interface Pushed {
  version: number;
  indexedSeq: number;
}

export class DirectorySync {
  private readonly rounds = new PacedRounds(DIRECTORY_DELAY_MS, DIRECTORY_INTERVAL_MS);
  /** The "pushed" mark once read: this object is its only writer, so the copy in memory stays exact. */
  private pushedMark: Pushed | null = null;
  /** Pushes since the mark was last written down (see save). */
  private unsaved = 0;
  /** Counts changes: the quiet check clears the timer only if none came since it was set. */
  private changes = 0;
  private quiet: ReturnType<typeof setTimeout> | null = null;
  /** The thread's last event once read (events never change: it stays last until a later seq exists). */
  private lastEvent: Event | null = null;
  /**
   * The events appended since this object started (or since the last push
   * took them), contiguous by seq, as the store handed them over (appended):
   * a push of a busy thread reads its texts and last event from here, not
   * from SQL. Emptied when a gap shows or it grows past a push's worth (the
   * push then reads SQL, as before).
   */
  private tail: Event[] = [];

  constructor(
    private readonly sql: SqlStorage,
    private readonly store: EventStore,
    private readonly timers: Timers,
    private readonly meta: () => ConversationMeta | null,
    /** Writes the row and texts to D1 (through the thread's InboxFeed shard, which also feeds the inbox sockets); resolves once D1 has them. */
    private readonly write: (write: DirectoryWrite) => Promise<void>,
    /** The messenger app the thread is bound to, if any (the row's customer.channels). */
    private readonly bound: () => ChannelKind | null = () => null,
  ) {}

  /** The row the directory should hold now, given the thread's last event. */
  private entryOf(meta: ConversationMeta, last: Event | null): DirectoryEntry {
    const state = stateOf(meta);
    return {
      tenant: meta.tenant,
      id: meta.id,
      status: state.status,
      owner: state.owner,
      ownerAgent: state.ownerAgent,
      assignee: state.assignee,
      labels: state.labels,
      customer: customerSummaryOf(meta, this.bound()),
      lastEvent: last ? previewOf(last) : null,
      lastSeq: last?.seq ?? 0,
      waitingSince: meta.waitingSince ?? null,
      createdAt: meta.createdAt,
      updatedAt: meta.updatedAt ?? meta.createdAt,
      version: meta.version ?? 1,
    };
  }

  /** Something the directory shows changed: push soon (or ride along with the push under way). */
  changed(): void {
    this.changes++;
    this.rounds.mark();
    // Armed once per busy spell: a set timer is kept, not moved (see the file comment). Timers keeps
    // its table in memory, so an append of a busy thread neither reads nor writes it.
    if (this.timers.at("directory") === null) this.timers.set("directory", Date.now() + BACKSTOP_MS);
    this.rounds.start(() => this.run());
  }

  /** A new event is in the log (the event store's append hook): kept for the next push. */
  appended(event: Event): void {
    const last = this.tail.at(-1);
    if ((last && last.seq + 1 !== event.seq) || this.tail.length >= EVENTS_PER_PUSH) this.tail = [];
    this.tail.push(event);
  }

  /** The backstop timer came due (the alarm took it): push what is left, and arm it again if anything is. */
  backstop(): void {
    this.changed();
  }

  /** Waits for the push under way, if any (the alarm handler). */
  settled(): Promise<void> {
    return this.rounds.settled();
  }

  private async run(): Promise<void> {
    let wrote = false;
    try {
      while (await this.rounds.nextRound()) {
        const meta = this.meta();
        if (!meta) return;
        const pushed = this.pushed();
        const { texts, upTo, more, last } = this.eventsAfter(pushed.indexedSeq);
        const entry = this.entryOf(meta, last);
        if (entry.version <= pushed.version && texts.length === 0) {
          // Nothing the directory shows (only events without text and no new version): read past them.
          this.pushedMark = { ...pushed, indexedSeq: upTo };
          if (more) this.rounds.mark();
          continue;
        }
        await this.write({ entry, texts });
        this.pushedMark = { version: Math.max(pushed.version, entry.version), indexedSeq: upTo };
        wrote = true;
        if (more) this.rounds.mark();
        if (++this.unsaved >= SAVE_EVERY) this.save();
      }
      // Everything is pushed. If nothing changes for QUIET_MS, the spell is over (endSpell). A run
      // that pushed nothing (the backstop's own, a while after the spell) ends it now.
      if (wrote) this.whenQuiet();
      else this.endSpell();
    } catch (err) {
      // The backstop timer is set again if the alarm took it: the alarm pushes again, RETRY_MS from now at the latest.
      this.timers.setEarliest("directory", Date.now() + RETRY_MS);
      console.error("directory push failed; retrying by alarm", err);
    }
  }

  /** Ends the busy spell after QUIET_MS unless something changes meanwhile. */
  private whenQuiet(): void {
    if (this.quiet !== null) clearTimeout(this.quiet);
    const seen = this.changes;
    this.quiet = setTimeout(() => {
      this.quiet = null;
      // A change since, or a run under way, ends its own spell later.
      if (this.changes !== seen || !this.rounds.idle()) return;
      try {
        this.endSpell();
      } catch (err) {
        // The timer stays: its alarm ends the spell instead.
        console.error("directory spell end failed", err);
      }
    }, QUIET_MS);
  }

  /** The busy spell ended with everything pushed: the mark is written down and the timer goes, in one commit. */
  private endSpell(): void {
    if (this.unsaved > 0) this.save();
    this.timers.clear("directory");
  }

  /**
   * The events after `seq` (one push's worth, in ONE read): the text of the
   * messages among them, the seq read up to, whether more wait, and the
   * thread's last event (known without a read when this read reached the end
   * or nothing was appended since the last one: events never change).
   */
  private eventsAfter(seq: number): { texts: IndexedText[]; upTo: number; more: boolean; last: Event | null } {
    const { events, hasMore } = this.inMemoryAfter(seq) ?? this.store.after(seq, EVENTS_PER_PUSH);
    const texts: IndexedText[] = [];
    for (const event of events) {
      if (event.type !== "message.created") continue;
      const text = textOf(event.content);
      if (text.length > 0) texts.push({ seq: event.seq, text });
    }
    const newest = events.at(-1);
    if (newest && !hasMore) this.lastEvent = newest;
    else if (this.lastEvent?.seq !== this.store.lastSeq()) this.lastEvent = this.store.last();
    return { texts, upTo: newest?.seq ?? seq, more: hasMore, last: this.lastEvent };
  }

  /**
   * The events after `seq` from the tail when it holds all of them (it starts
   * at or before seq + 1 and ends at the log's last seq); else null (read SQL).
   * The events before seq + 1 are dropped: they are pushed.
   */
  private inMemoryAfter(seq: number): { events: Event[]; hasMore: false } | null {
    const first = this.tail[0];
    const last = this.tail.at(-1);
    if (!first || !last || first.seq > seq + 1 || last.seq !== this.store.lastSeq()) {
      this.tail = [];
      return null;
    }
    const events = this.tail.filter((e) => e.seq > seq);
    this.tail = [];
    return { events, hasMore: false };
  }

  private pushed(): Pushed {
    if (this.pushedMark) return this.pushedMark;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'directory'").toArray()[0];
    this.pushedMark = row ? (JSON.parse(row.value) as Pushed) : { version: 0, indexedSeq: 0 };
    return this.pushedMark;
  }

  /**
   * Writes the pushed mark down. Only every SAVE_EVERY pushes and when a busy
   * spell ends (endSpell): a mark lost to an
   * eviction only re-sends texts D1 skips (it keeps indexed_seq).
   */
  private save(): void {
    this.unsaved = 0;
    if (!this.pushedMark) return;
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('directory', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(this.pushedMark),
    );
  }
}
