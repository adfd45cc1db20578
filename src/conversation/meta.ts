// Who a conversation belongs to and its state (status, owner), kept in the
// DO's meta table. An uninitialised conversation does not exist for anyone.
import type { ConversationInfo, ConversationStatus, Owner } from "../protocol/event";

export interface ConversationMeta extends Omit<ConversationInfo, "lastSeq"> {
  tenant: string;
  userId: string;
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

  update(patch: Partial<Pick<ConversationMeta, "status" | "owner" | "userId">>): ConversationMeta {
    const meta = this.get();
    if (!meta) throw new Error("conversation not initialised");
    const next = { ...meta, ...patch };
    this.put(next);
    return next;
  }
}

export type { ConversationStatus, Owner };
