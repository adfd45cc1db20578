// What a conversation keeps about its channel deliveries beside the outbox
// (src/outbox/outbox.ts holds the deliveries themselves: order, attempts,
// status): how many parts of a content went out, the platform's message ids,
// delivery and read receipts, a failure the platform reported after
// accepting; and the one-time channel-link refs redeemed for this thread.
// Tables in the Conversation DO's SQLite, versioned on their own.
import { applyMigrations } from "../sql-migrate";
import { ServiceError } from "../protocol/errors";
import type { Outbox } from "../outbox/outbox";
import type { DeliveryState } from "../outbox/sink";
import type { ChannelDeliveryBody } from "./channel-sink";
import { CHANNEL_SINK } from "./channel-sink";
import type { ChannelKind } from "./settings";

const SCHEMA = [
  `CREATE TABLE channel_sends (
     delivery_id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,
     parts_sent INTEGER NOT NULL DEFAULT 0,
     message_ids TEXT NOT NULL DEFAULT '[]',
     sent_at INTEGER,
     delivered_at TEXT,
     read_at TEXT,
     platform_error TEXT
   );
   CREATE TABLE channel_used_refs (id TEXT PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL, used_at TEXT NOT NULL);`,
];

/** A row of GET /v1/conversations/:id/channel-deliveries. */
export interface ChannelDelivery {
  /** The outbox delivery id. */
  id: string;
  seq: number;
  eventId: string;
  channel: ChannelKind;
  recipient: string;
  status: DeliveryState["status"];
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastResponse: string | null;
  platformMessageIds: string[];
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
}

/** The most deliveries one page of GET /v1/conversations/:id/channel-deliveries holds, and its default. */
export const CHANNEL_DELIVERIES_PAGE = 100;

/** Which page: the newest `limit` deliveries whose seq is below `before` (the newest of all without it). */
export interface ChannelDeliveryQuery {
  before?: number | undefined;
  /** 1..CHANNEL_DELIVERIES_PAGE. */
  limit: number;
}

/**
 * A page of GET /v1/conversations/:id/channel-deliveries, oldest first:
 * `cursor` is the seq of its first (oldest) delivery, to pass as the next
 * `before`, or null when the page is empty; `hasMore` says older deliveries
 * exist. Keyed by seq: a business message has at most one channel delivery
 * (channel-sink.ts: an entry names one sink).
 */
export interface ChannelDeliveryPage {
  deliveries: ChannelDelivery[];
  cursor: number | null;
  hasMore: boolean;
}

interface SendRow extends Record<string, SqlStorageValue> {
  delivery_id: string;
  seq: number;
  parts_sent: number;
  message_ids: string;
  sent_at: number | null;
  delivered_at: string | null;
  read_at: string | null;
  platform_error: string | null;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export class ChannelSends {
  constructor(private readonly sql: SqlStorage) {
    applyMigrations(sql, SCHEMA, "channel_sends_schema_version");
  }

  /** How many parts of delivery `id` went out already (a retry resumes there). */
  partsSent(id: string): number {
    return this.sql.exec<{ parts_sent: number }>("SELECT parts_sent FROM channel_sends WHERE delivery_id = ?", id).toArray()[0]?.parts_sent ?? 0;
  }

  /** Records an attempt's progress: parts sent so far, the platform ids it got, and (all parts out) when it was sent. */
  progressed(id: string, seq: number, partsSent: number, messageIds: string[], sentAt: number | null): void {
    const row = this.row(id);
    const ids = [...(row ? (JSON.parse(row.message_ids) as string[]) : []), ...messageIds];
    this.sql.exec(
      `INSERT INTO channel_sends (delivery_id, seq, parts_sent, message_ids, sent_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (delivery_id) DO UPDATE SET parts_sent = excluded.parts_sent, message_ids = excluded.message_ids,
       sent_at = COALESCE(excluded.sent_at, sent_at)`,
      id,
      seq,
      partsSent,
      JSON.stringify(ids),
      sentAt,
    );
  }

  /**
   * Marks sent messages delivered or read: those whose platform ids are in
   * `mids`, and (Messenger watermarks, platform ms) every one sent at or
   * before `watermark`. Returns the highest seq covered, or 0. A "failed"
   * status (the platform gave up after accepting) marks the delivery failed
   * with `error` and covers nothing.
   */
  receipt(status: "delivered" | "read" | "failed", mids: string[], watermark: number | undefined, now = new Date(), error?: string): number {
    const rows = this.sql.exec<SendRow>("SELECT * FROM channel_sends WHERE sent_at IS NOT NULL ORDER BY seq").toArray();
    const wanted = new Set(mids);
    const covered = rows.filter(
      (row) =>
        (JSON.parse(row.message_ids) as string[]).some((id) => wanted.has(id)) ||
        (watermark !== undefined && row.sent_at !== null && row.sent_at <= watermark),
    );
    if (status === "failed") {
      const text = (error ?? "the platform reported a failure").slice(0, 1024);
      for (const row of covered) this.sql.exec("UPDATE channel_sends SET platform_error = ? WHERE delivery_id = ?", text, row.delivery_id);
      return 0;
    }
    const at = now.toISOString();
    for (const row of covered) {
      if (status === "read") {
        this.sql.exec(
          "UPDATE channel_sends SET read_at = COALESCE(read_at, ?), delivered_at = COALESCE(delivered_at, ?) WHERE delivery_id = ?",
          at,
          at,
          row.delivery_id,
        );
      } else {
        this.sql.exec("UPDATE channel_sends SET delivered_at = COALESCE(delivered_at, ?) WHERE delivery_id = ?", at, row.delivery_id);
      }
    }
    return covered.at(-1)?.seq ?? 0;
  }

  /**
   * Redeems a channel-link ref once. The same identity presenting it again
   * (Meta redelivering the referral) is fine; anyone else is refused.
   */
  claimRef(id: string, channel: ChannelKind, recipient: string, now = new Date()): boolean {
    const row = this.sql.exec<{ channel: string; recipient: string }>("SELECT channel, recipient FROM channel_used_refs WHERE id = ?", id).toArray()[0];
    if (row) return row.channel === channel && row.recipient === recipient;
    this.sql.exec("INSERT INTO channel_used_refs (id, channel, recipient, used_at) VALUES (?, ?, ?, ?)", id, channel, recipient, now.toISOString());
    return true;
  }

  /** A page of the thread's channel deliveries (see ChannelDeliveryPage): the outbox's state with what is kept here. */
  page(outbox: Outbox, query: ChannelDeliveryQuery): ChannelDeliveryPage {
    const states = outbox.list(`${CHANNEL_SINK}:`, query.limit + 1, query.before);
    const hasMore = states.length > query.limit;
    const deliveries = (hasMore ? states.slice(1) : states).map((state) => this.delivery(state));
    return { deliveries, cursor: deliveries[0]?.seq ?? null, hasMore };
  }

  private delivery(state: DeliveryState & { body: string }): ChannelDelivery {
    const body = JSON.parse(state.body) as ChannelDeliveryBody;
    const row = this.row(state.id);
    // The platform failing a message it had accepted overrides the outbox's "succeeded".
    const failedLater = row?.platform_error ? state.status === "succeeded" : false;
    return {
      id: state.id,
      seq: body.seq,
      eventId: body.eventId,
      channel: body.channel,
      recipient: body.recipient,
      status: failedLater ? "failed" : state.status,
      attempts: state.attempts,
      lastStatus: state.lastStatus,
      lastError: failedLater ? row!.platform_error : state.lastError,
      lastResponse: state.lastResponse,
      platformMessageIds: row ? (JSON.parse(row.message_ids) as string[]) : [],
      nextAttemptAt: iso(state.nextAttemptAt),
      createdAt: new Date(state.createdAt).toISOString(),
      sentAt: iso(row?.sent_at ?? null),
      deliveredAt: row?.delivered_at ?? null,
      readAt: row?.read_at ?? null,
    };
  }

  /**
   * An operator's retry of the channel delivery of `seq`: due now, in its
   * place (the ordered outbox sends it before later ones). A message the
   * platform failed after accepting goes out whole again. Throws not_found
   * when there is no pending or failed delivery for `seq`.
   */
  retry(outbox: Outbox, seq: number): void {
    const found = this.page(outbox, { before: seq + 1, limit: 1 }).deliveries.find((d) => d.seq === seq && d.status !== "succeeded");
    if (!found) throw new ServiceError("not_found", `no pending or failed channel delivery for seq ${seq}`);
    const row = this.row(found.id);
    if (row?.platform_error) {
      this.sql.exec("UPDATE channel_sends SET platform_error = NULL, parts_sent = 0, sent_at = NULL WHERE delivery_id = ?", found.id);
    }
    outbox.retry(found.id);
  }

  private row(id: string): SendRow | undefined {
    return this.sql.exec<SendRow>("SELECT * FROM channel_sends WHERE delivery_id = ?", id).toArray()[0];
  }
}
