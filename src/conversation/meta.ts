// Who a conversation belongs to and its state (status, owner, assignee,
// labels, …), kept as one JSON row in the DO's meta table. An uninitialised
// conversation does not exist for anyone.
import { ServiceError } from "../protocol/errors";
import type { ConversationInfo, ConversationStatus, Owner } from "../protocol/event";

export interface ConversationMeta extends Omit<ConversationInfo, "lastSeq"> {
  tenant: string;
  userId: string;
  // The business state; absent in conversations created before it existed (see stateOf in state.ts).
  snoozedUntil?: string | null;
  assignee?: string | null;
  labels?: string[];
  ownerAgent?: string | null;
  ownerEpoch?: number;
  /** The customer's display name as their last message carried it. */
  customerName?: string | null;
  /** The first customer message not yet answered by the business, or null. */
  waitingSince?: string | null;
  /** The last customer message and the last message of the owning agent (idle return). */
  lastCustomerAt?: string | null;
  lastAgentAt?: string | null;
  /** When the current owner took the thread. */
  ownerSince?: string | null;
  /** Bumped on every change the directory shows; a directory row never goes back to a lower one. */
  version?: number;
  updatedAt?: string;
}

/** The fields of the meta row a change may write. */
export type MetaPatch = Partial<Omit<ConversationMeta, "tenant" | "id" | "createdAt">>;

/** The meta of a new conversation: open, owned by the bot, version 1. */
export function newMeta(input: { tenant: string; id: string; userId: string; ref?: string; customerName?: string }): ConversationMeta {
  return {
    tenant: input.tenant,
    id: input.id,
    userId: input.userId,
    status: "open",
    owner: "bot",
    ownerEpoch: 0,
    createdAt: new Date().toISOString(),
    ...(input.ref ? { ref: input.ref } : {}),
    ...(input.customerName ? { customerName: input.customerName } : {}),
    version: 1,
  };
}

/**
 * Plain customer messages change only `version`, `updatedAt` and
 * `lastCustomerAt`; those are kept in memory (bump) and the row is written
 * whole at least every this many of them. After a wake the row's `tickSeq`
 * (the log's end when it was written) bounds the query that derives them again.
 */
export const META_CHECKPOINT_EVERY = 64;

/** The stored row: the meta, plus where in the log it was written (absent in rows written before the checkpoint existed). */
interface MetaRow extends ConversationMeta {
  tickSeq?: number;
}

export class MetaStore {
  private cached: ConversationMeta | null | undefined;
  /** True once the row on disk carries `tickSeq`: only then may a change stay in memory (bump). */
  private checkpointed = false;
  /** Changes kept in memory since the row was last written (bump). */
  private deferred = 0;

  /** `lastSeq` is the log's end (EventStore.lastSeq): every row written records it as its checkpoint. */
  constructor(
    private readonly sql: SqlStorage,
    private readonly lastSeq: () => number,
  ) {}

  /**
   * The meta now. After a wake, what the row does not hold yet is derived
   * from the events past its checkpoint: each of them bumped the version at
   * most once (so the version read is never lower than the one this object
   * had in memory and pushed to the directory), the newest `at` is
   * `updatedAt`, the newest customer message's `at` is `lastCustomerAt`.
   */
  get(): ConversationMeta | null {
    if (this.cached !== undefined) return this.cached;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'conversation'").toArray()[0];
    if (!row) return (this.cached = null);
    const { tickSeq, ...meta } = JSON.parse(row.value) as MetaRow;
    this.cached = meta;
    if (tickSeq === undefined) return meta;
    this.checkpointed = true;
    const since = this.sql
      .exec<{ n: number; at: string | null; customerAt: string | null }>(
        `SELECT COUNT(*) AS n, MAX(at) AS at,
           MAX(CASE WHEN type = 'message.created' AND sender_role = 'customer' THEN at END) AS customerAt
         FROM events WHERE seq > ?`,
        tickSeq,
      )
      .one();
    if (since.n === 0) return meta;
    this.deferred = since.n;
    meta.version = (meta.version ?? 1) + since.n;
    if (since.at && since.at > (meta.updatedAt ?? "")) meta.updatedAt = since.at;
    if (since.customerAt && since.customerAt > (meta.lastCustomerAt ?? "")) meta.lastCustomerAt = since.customerAt;
    return meta;
  }

  /** Writes the whole row, with the log's end as its checkpoint. */
  put(meta: ConversationMeta): void {
    const row: MetaRow = { ...meta, tickSeq: this.lastSeq() };
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('conversation', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(row),
    );
    this.cached = meta;
    this.checkpointed = true;
    this.deferred = 0;
  }

  /**
   * Writes `patch` over the row and returns the result.
   * @throws ServiceError not_found before `put` created the conversation (it does not exist for anyone yet)
   */
  update(patch: MetaPatch): ConversationMeta {
    const meta = this.get();
    if (!meta) throw new ServiceError("not_found", "conversation not found");
    const next = { ...meta, ...patch };
    this.put(next);
    return next;
  }

  /**
   * The bookkeeping of a plain customer message, just appended in the same
   * synchronous step: the version one up, `updatedAt` and `lastCustomerAt`
   * its `at`. Kept in memory (get derives it again after a wake) unless the
   * row predates checkpoints or META_CHECKPOINT_EVERY changes wait: then
   * written whole.
   * @throws ServiceError not_found before `put` created the conversation
   */
  bumpForCustomerMessage(at: string): ConversationMeta {
    const meta = this.get();
    if (!meta) throw new ServiceError("not_found", "conversation not found");
    const next: ConversationMeta = { ...meta, version: (meta.version ?? 1) + 1, updatedAt: at, lastCustomerAt: at };
    if (!this.checkpointed || this.deferred + 1 >= META_CHECKPOINT_EVERY) {
      this.put(next);
    } else {
      this.cached = next;
      this.deferred++;
    }
    return next;
  }
}

export type { ConversationStatus, Owner };
