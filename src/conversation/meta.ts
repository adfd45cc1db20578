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

export class MetaStore {
  private cached: ConversationMeta | null | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(): ConversationMeta | null {
    if (this.cached !== undefined) return this.cached;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'conversation'").toArray()[0];
    this.cached = row ? (JSON.parse(row.value) as ConversationMeta) : null;
    return this.cached;
  }

  put(meta: ConversationMeta): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('conversation', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(meta),
    );
    this.cached = meta;
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
}

export type { ConversationStatus, Owner };
