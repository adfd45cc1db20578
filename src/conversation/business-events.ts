// Events the business writes about a conversation rather than in it:
// handover between bot and human, and payment status updates. Each is a
// log event, so every device sees it live and on sync.
import { ServiceError } from "../protocol/errors";
import type { Event, EventDraft, Owner, Sender } from "../protocol/event";
import type { PaymentStatus } from "../protocol/content";
import type { EventStore } from "./event-store";

interface PaymentRow extends Record<string, SqlStorageValue> {
  id: string;
  status: string;
}

/** Payment requests are final once paid or cancelled. */
const NEXT: Record<PaymentStatus, PaymentStatus[]> = { pending: ["paid", "cancelled"], paid: [], cancelled: [] };

/**
 * The draft of a payment.updated event for `requestId`, or null when the
 * request already has that status (a retry: nothing to write).
 */
export function paymentUpdate(sql: SqlStorage, store: EventStore, requestId: string, status: PaymentStatus, sender: Sender): EventDraft | Event | null {
  const request = sql
    .exec<PaymentRow>(
      `SELECT id, json_extract(body, '$.content.status') AS status FROM events
       WHERE type = 'message.created' AND json_extract(body, '$.content.type') = 'payment_request'
         AND json_extract(body, '$.content.requestId') = ?
       ORDER BY seq DESC LIMIT 1`,
      requestId,
    )
    .toArray()[0];
  if (!request) throw new ServiceError("not_found", `no payment request ${requestId} in this conversation`);
  const last = sql
    .exec<{ id: string; status: string }>(
      `SELECT id, json_extract(body, '$.status') AS status FROM events
       WHERE type = 'payment.updated' AND json_extract(body, '$.target') = ? ORDER BY seq DESC LIMIT 1`,
      request.id,
    )
    .toArray()[0];
  const current = (last?.status ?? request.status) as PaymentStatus;
  if (current === status) return last ? store.byId(last.id) : null;
  if (!NEXT[current].includes(status)) {
    throw new ServiceError("conflict", `payment request ${requestId} is ${current}; it cannot become ${status}`);
  }
  return { type: "payment.updated", sender, target: request.id, status };
}

export function handoverSender(owner: Owner, agentId: string | undefined): Sender {
  return owner === "agent" && agentId ? { role: "agent", id: agentId } : { role: "system", id: "handover" };
}
