// What the owner's thread list shows of this conversation, and the push that
// hands it to the owner's Customer DO when the thread changes hands (a guest
// merge); otherwise the list pulls it when read (Conversation.threadSummary).
import { customerStub } from "../directory/stubs";
import type { Env } from "../env";
import type { ThreadSummary } from "../protocol/thread";
import type { EventStore } from "./event-store";
import type { ConversationMeta } from "./meta";
import { PacedRounds } from "./paced-rounds";
import type { ReadCursors } from "./reads";
import { eventForCustomer, stateOf } from "./state";
import type { Timers } from "./timers";

/** How long thread-list updates are gathered before one push to the Customer DO… */
const SUMMARY_DELAY_MS = 150;
/** …and the least time between two pushes of one busy thread. */
const SUMMARY_INTERVAL_MS = 2_000;

/** The thread's summary now (exact unread count for its owner), as the owner's list shows it. */
export function threadSummaryOf(meta: ConversationMeta, store: EventStore, reads: ReadCursors): ThreadSummary {
  const last = store.last();
  const readSeq = reads.ofUser(meta.userId);
  return {
    id: meta.id,
    status: stateOf(meta).status,
    lastSeq: last?.seq ?? 0,
    readSeq,
    unread: store.unreadAfter(readSeq),
    // The list is read with customer credentials: business-only parts stay out.
    lastEvent: last ? eventForCustomer(last) : null,
    updatedAt: last?.at ?? meta.createdAt,
  };
}

/** What the summary push needs from its Conversation DO. */
export interface SummaryPushDeps {
  env: Env;
  timers: Timers;
  meta(): ConversationMeta | null;
  /** The summary of the thread as `meta` describes it (threadSummaryOf). */
  summary(meta: ConversationMeta): ThreadSummary;
}

/**
 * Keeps the owner's thread list current. A quiet thread pushes its summary
 * to the Customer DO SUMMARY_DELAY_MS after a change; a busy one at most
 * every SUMMARY_INTERVAL_MS, all changes in between collapsing into one
 * push. The list may lag a busy thread by two seconds; the log never lags.
 * A failed push is retried by the "summary" timer.
 */
export class SummaryPush {
  private readonly rounds = new PacedRounds(SUMMARY_DELAY_MS, SUMMARY_INTERVAL_MS);

  constructor(private readonly deps: SummaryPushDeps) {}

  /** The thread changed (`meta` as of now): push its summary soon, or ride along with the push under way. */
  changed(meta: ConversationMeta): void {
    this.rounds.mark();
    this.rounds.start(() => this.run(meta));
  }

  /** Waits for the push under way, if any (the alarm handler). */
  settled(): Promise<void> {
    return this.rounds.settled();
  }

  private async run(meta: ConversationMeta): Promise<void> {
    try {
      while (await this.rounds.nextRound()) {
        const current = this.deps.meta() ?? meta;
        const customer = customerStub(this.deps.env, current.tenant, current.userId);
        await customer.recordThread(this.deps.summary(current));
      }
    } catch (err) {
      console.error("thread summary push failed; retrying by alarm", err);
      this.deps.timers.setEarliest("summary", Date.now() + 2_000);
    }
  }
}
