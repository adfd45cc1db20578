// The timeline: a gap-free window of the log plus pending messages; a pending
// message gives way to its server event, so nothing is ever shown twice.
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/protocol/event.ts";
import { Timeline } from "../../src/client/timeline.ts";

function ev(seq: number, extra: { clientId?: string; role?: "customer" | "bot"; text?: string } = {}): Event {
  const e: Event = {
    seq,
    id: `evt_${seq}`,
    type: "message.created",
    at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    sender: { role: extra.role ?? "bot", id: extra.role === "customer" ? "alice" : "bot" },
    content: { type: "text", text: extra.text ?? `m${seq}` },
  };
  if (extra.clientId) e.clientId = extra.clientId;
  return e;
}

const pending = (clientId: string, text = clientId) => ({
  clientId,
  content: { type: "text" as const, text },
  createdAt: new Date().toISOString(),
  state: "pending" as const,
});

describe("timeline merge", () => {
  it("lists server events by seq and pending messages last, in the order sent", () => {
    const t = new Timeline();
    t.seed([ev(2), ev(1), ev(3)]);
    t.addPending(pending("a"));
    t.addPending(pending("b"));
    expect(t.items().map((i) => i.key)).toEqual(["evt_1", "evt_2", "evt_3", "local:a", "local:b"]);
    expect(t.items().map((i) => i.seq)).toEqual([1, 2, 3, null, null]);
  });

  it("replaces a pending message by its server event, matched by clientId", () => {
    const t = new Timeline();
    t.seed([ev(1)]);
    t.addPending(pending("a"));
    t.addPending(pending("b"));
    const { added } = t.ingest([ev(2, { clientId: "b", role: "customer", text: "b" })]);
    expect(added.map((e) => e.seq)).toEqual([2]);
    expect(t.items().map((i) => i.key)).toEqual(["evt_1", "evt_2", "local:a"]);
  });

  it("does not let another sender's clientId replace a local message", () => {
    const t = new Timeline();
    t.seed([]);
    t.addPending(pending("a"));
    t.ingest([ev(1, { clientId: "a", role: "bot" })]);
    expect(t.items().map((i) => i.key)).toEqual(["evt_1", "local:a"]);
  });

  it("ignores events it already holds and stops at a gap", () => {
    const t = new Timeline();
    t.seed([ev(1), ev(2)]);
    expect(t.ingest([ev(2), ev(1)])).toEqual({ added: [], gap: false });
    const result = t.ingest([ev(3), ev(5), ev(6)]);
    expect(result.added.map((e) => e.seq)).toEqual([3]);
    expect(result.gap).toBe(true);
    expect(t.lastSeq).toBe(3);
    expect(t.ingest([ev(4), ev(5), ev(6)]).added.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(t.items().map((i) => i.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("keeps an acknowledged message as sent until its event enters the window", () => {
    const t = new Timeline();
    t.seed([ev(1)]);
    t.addPending(pending("a"));
    t.acknowledge("a", 3);
    expect(t.items().at(-1)?.pending?.state).toBe("sent");
    t.ingest([ev(2), ev(3, { clientId: "a", role: "customer" })]);
    expect(t.items().map((i) => i.key)).toEqual(["evt_1", "evt_2", "evt_3"]);
  });

  it("drops a pending message acknowledged at a seq it already holds or older than the window", () => {
    const t = new Timeline();
    t.seed([ev(10), ev(11)]);
    t.addPending(pending("old"));
    t.acknowledge("old", 4);
    expect(t.items().map((i) => i.key)).toEqual(["evt_10", "evt_11"]);
  });

  it("prepends only history that ends right before the window", () => {
    const t = new Timeline();
    t.seed([ev(5), ev(6)]);
    expect(t.prepend([ev(1), ev(2)])).toBe(0);
    expect(t.prepend([ev(3), ev(4)])).toBe(2);
    expect(t.firstSeq).toBe(3);
    expect(t.items().map((i) => i.seq)).toEqual([3, 4, 5, 6]);
  });

  it("counts unread business messages after the read cursor", () => {
    const t = new Timeline();
    t.seed([ev(1), ev(2, { role: "customer", clientId: "x" }), ev(3), ev(4)]);
    expect(t.unreadAfter(0)).toBe(3);
    expect(t.unreadAfter(2)).toBe(2);
    expect(t.unreadAfter(4)).toBe(0);
  });

  it("marks a message failed and keeps it listed", () => {
    const t = new Timeline();
    t.seed([]);
    t.addPending(pending("a"));
    t.setPendingState("a", "failed", "invalid_request");
    expect(t.items()[0]?.pending).toMatchObject({ state: "failed", error: "invalid_request" });
  });
});
