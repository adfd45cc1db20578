// How the widget folds the SDK's timeline into rows: payment updates, edits
// and deletions land on the message they target; a pending message keeps its
// row (keyed by clientId) when the server's event replaces it.
import { describe, expect, it } from "vitest";
import type { TimelineItem } from "../../src/client/index";
import type { Event, EventDraft } from "../../src/protocol/event";
import { quickRepliesOf, rowsOf } from "../../src/widget/timeline-view";

const bot = { role: "bot", id: "shopbot", name: "Shop bot" } as const;
const alice = { role: "customer", id: "alice", name: "Alice", deviceId: "dev_a" } as const;
let seq = 0;
function item(e: EventDraft & { id?: string }): TimelineItem {
  seq++;
  const event = { seq, id: e.id ?? `evt_${seq}`, at: new Date(0).toISOString(), ...e } as Event;
  return { key: event.id, seq, event };
}

describe("widget rows", () => {
  it("shows a payment request with the status of its latest payment.updated event", () => {
    const items = [
      item({ id: "evt_pay", type: "message.created", sender: bot, content: { type: "payment_request", requestId: "pr_1", amount: 49, currency: "EUR", description: "Deposit", payUrl: "https://pay.example/1", status: "pending" } }),
      item({ type: "payment.updated", sender: bot, target: "evt_pay", status: "paid" }),
    ];
    const rows = rowsOf(items);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.paymentStatus).toBe("paid");
  });

  it("applies edits and deletions to their target and notes a hand-over once", () => {
    const items = [
      item({ id: "evt_t", type: "message.created", sender: bot, content: { type: "text", text: "Hello" } }),
      item({ type: "message.updated", sender: bot, target: "evt_t", content: { type: "text", text: "Hello again" } }),
      item({ id: "evt_d", type: "message.created", sender: bot, content: { type: "text", text: "oops" } }),
      item({ type: "message.deleted", sender: bot, target: "evt_d" }),
      item({ type: "conversation.updated", sender: bot, status: "open", owner: "agent" }),
      item({ type: "conversation.updated", sender: bot, status: "open", owner: "agent" }),
    ];
    const rows = rowsOf(items);
    expect(rows.map((r) => [r.kind, r.content?.type === "text" ? r.content.text : r.note, r.deleted])).toEqual([
      ["message", "Hello again", false],
      ["message", "oops", true],
      ["note", "A person from our team joined the conversation.", false],
    ]);
  });

  it("notes what changed: a resolve once, a new owner once, and nothing when a resolved thread reopens with the same owner", () => {
    const sam = { role: "agent", id: "sam", name: "Sam" } as const;
    const items = [
      item({ type: "conversation.updated", sender: sam, status: "open", owner: "agent" }),
      item({ type: "conversation.updated", sender: sam, status: "resolved", owner: "agent" }),
      // A change customers see no part of (labels) while resolved: no second note.
      item({ type: "conversation.updated", sender: sam, status: "resolved", owner: "agent" }),
      // The customer writes again: reopened, still Sam's. Nobody joined.
      item({ type: "conversation.updated", sender: alice, status: "open", owner: "agent", reason: "customer_message" }),
      item({ type: "conversation.updated", sender: sam, status: "resolved", owner: "agent" }),
      item({ type: "conversation.updated", sender: bot, status: "open", owner: "bot" }),
    ];
    expect(rowsOf(items).map((r) => r.note)).toEqual([
      "A person from our team joined the conversation.",
      "This conversation was resolved.",
      "This conversation was resolved.",
      "You are chatting with our assistant.",
    ]);
  });

  it("keys the visitor's message by clientId from pending to sent, and offers only the last message's quick replies", () => {
    const pending: TimelineItem = {
      key: "local:c1",
      seq: null,
      event: null,
      pending: { clientId: "c1", content: { type: "text", text: "Hi" }, createdAt: new Date(0).toISOString(), state: "pending" },
    };
    const ask = item({ type: "message.created", sender: bot, content: { type: "text", text: "Pick one", quickReplies: [{ title: "A", payload: "A" }] } });
    const before = rowsOf([ask, pending]);
    const sent = item({ type: "message.created", sender: alice, clientId: "c1", content: { type: "text", text: "Hi" } });
    const after = rowsOf([ask, sent]);
    expect(before[1]).toMatchObject({ key: "c:c1", state: "pending", mine: true });
    expect(after[1]).toMatchObject({ key: "c:c1", state: "sent", mine: true });
    expect(quickRepliesOf(rowsOf([ask]))).toEqual([{ title: "A", payload: "A" }]);
    expect(quickRepliesOf(after)).toEqual([]);
  });
});
