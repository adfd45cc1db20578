// Events the business writes about a conversation rather than in it:
// handover between bot and human, and payment status updates. Each is a
// log event, so every device sees it live and on sync.
import { ServiceError } from "../protocol/errors";
import type { Event, EventDraft, Owner, Sender } from "../protocol/event";
import type { PaymentStatus } from "../protocol/content";
import type { EventStore } from "./event-store";

/** Payment requests are final once paid or cancelled. */
const NEXT: Record<PaymentStatus, PaymentStatus[]> = { pending: ["paid", "cancelled"], paid: [], cancelled: [] };

/**
 * The draft of a payment.updated event for `requestId`. When the request
 * already has that status (a retry: nothing to write): the payment.updated
 * event that set it, or null when it was created with it.
 * @throws ServiceError not_found (no such request here), conflict (a final status)
 */
export function paymentUpdate(store: EventStore, requestId: string, status: PaymentStatus, sender: Sender): EventDraft | Event | null {
  const payment = store.payment(requestId);
  if (!payment) throw new ServiceError("not_found", `no payment request ${requestId} in this conversation`);
  const current = payment.status;
  if (current === status) return payment.updateEventId !== null ? store.byId(payment.updateEventId) : null;
  if (!NEXT[current].includes(status)) {
    throw new ServiceError("conflict", `payment request ${requestId} is ${current}; it cannot become ${status}`);
  }
  return { type: "payment.updated", sender, target: payment.requestEventId, status };
}

export function handoverSender(owner: Owner, agentId: string | undefined): Sender {
  return owner === "agent" && agentId ? { role: "agent", id: agentId } : { role: "system", id: "handover" };
}
