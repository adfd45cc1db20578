// The business state of a conversation: status (with snoozes), assignee,
// labels, owner and epoch, the customer summary. Each PATCH is one
// conversation.updated event naming every changed field; customers see the
// status change, never labels or assignee; a customer message reopens; a
// snooze ends by alarm with no request running.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentSession, call, ok } from "./business-helpers";
import { api, BOT_KEY, eventually, json, openConversation, openSession, send, uniqueUser } from "./helpers";
import { myThreads, problemOf } from "./identity-helpers";
import { openReady, type EventFrame } from "./live-helpers";

interface Conversation {
  id: string;
  status: string;
  snoozedUntil: string | null;
  assignee: string | null;
  labels: string[];
  owner: string;
  ownerEpoch: number;
  customer: { id: string; name: string | null; guest: boolean; channels: string[] };
  [key: string]: unknown;
}

interface StateEvent {
  seq: number;
  type: string;
  status: string;
  reason?: string;
  changes?: Record<string, unknown[]>;
  sender: { role: string; id: string };
}

async function thread() {
  const user = uniqueUser("state");
  const s = await openSession(user);
  const id = await openConversation(s.sessionToken);
  return { user, s, id };
}

function patch(id: string, token: string, body: unknown): Promise<Response> {
  return call("PATCH", `/v1/conversations/${id}`, token, body);
}

describe("conversation state", () => {
  it("is read by business callers with the customer summary, by customers without it", async () => {
    const { user, s, id } = await thread();
    await send(s.sessionToken, id, "c1", "hello");
    const business = (await ok<{ conversation: Conversation }>(await call("GET", `/v1/conversations/${id}`, BOT_KEY))).conversation;
    expect(business).toMatchObject({
      id,
      status: "open",
      snoozedUntil: null,
      assignee: null,
      labels: [],
      owner: "bot",
      ownerEpoch: 0,
      customer: { id: user, guest: false, channels: ["web"] },
      lastSeq: 1,
    });
    const customer = (await ok<{ conversation: Record<string, unknown> }>(await call("GET", `/v1/conversations/${id}`, s.sessionToken))).conversation;
    expect(Object.keys(customer).sort()).toEqual(["createdAt", "id", "lastSeq", "owner", "status"]);
  });

  it("PATCH writes one event naming every changed field; customers see only the status", async () => {
    const { s, id } = await thread();
    const agent = await agentSession(uniqueUser("agent"));
    const phone = await openReady(id, s.sessionToken);
    const desk = await openReady(id, agent.sessionToken);

    const res = await patch(id, agent.sessionToken, { status: "pending", assignee: agent.agent.id, labels: ["vip", "billing:eu"] });
    const { conversation, event } = await ok<{ conversation: Conversation; event: StateEvent }>(res);
    expect(conversation).toMatchObject({ status: "pending", assignee: agent.agent.id, labels: ["vip", "billing:eu"] });
    expect(event).toMatchObject({
      type: "conversation.updated",
      status: "pending",
      sender: { role: "agent", id: agent.agent.id },
      changes: { status: ["open", "pending"], assignee: [null, agent.agent.id], labels: [[], ["vip", "billing:eu"]] },
    });

    const atDesk = (await desk.next()) as EventFrame;
    expect(atDesk.event).toMatchObject({ seq: event.seq, changes: event.changes });
    const atPhone = (await phone.next()) as EventFrame & { event: StateEvent };
    expect(atPhone.event).toMatchObject({ seq: event.seq, status: "pending", changes: { status: ["open", "pending"] } });
    expect(phone.raw.join("")).not.toContain("vip");
    expect(phone.raw.join("")).not.toContain("assignee");

    // Labels alone: the event is in the customer's gap-free log, but says nothing of them.
    const labelsOnly = await ok<{ event: StateEvent }>(await patch(id, BOT_KEY, { labels: ["vip"] }));
    expect(labelsOnly.event.changes).toEqual({ labels: [["vip", "billing:eu"], ["vip"]] });
    const customerLog = await ok<{ events: StateEvent[] }>(await call("GET", `/v1/conversations/${id}/events`, s.sessionToken));
    expect(customerLog.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(customerLog.events[1]).not.toHaveProperty("changes");
    expect(JSON.stringify(customerLog)).not.toContain("vip");
    const list = await eventually(() => myThreads(s.sessionToken), (t) => t[0]?.lastSeq === 2);
    expect(JSON.stringify(list)).not.toContain("vip");
    const businessLog = await ok<{ events: StateEvent[] }>(await call("GET", `/v1/conversations/${id}/events`, BOT_KEY));
    expect(businessLog.events[1]!.changes).toEqual({ labels: [["vip", "billing:eu"], ["vip"]] });

    // Nothing changes: no event.
    expect((await ok<{ event: unknown }>(await patch(id, BOT_KEY, { labels: ["vip"] }))).event).toBeNull();
  });

  it("validates the patch and refuses customers", async () => {
    const { s, id } = await thread();
    expect(await problemOf(await patch(id, s.sessionToken, { status: "resolved" }))).toMatchObject({ status: 403, code: "forbidden" });
    for (const body of [
      {},
      { status: "closed" },
      { labels: ["Has Space"] },
      { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
      { status: "snoozed" },
      { snoozedUntil: new Date(Date.now() + 60_000).toISOString() },
      { status: "snoozed", snoozedUntil: "tomorrow" },
      { status: "snoozed", snoozedUntil: new Date(Date.now() - 60_000).toISOString() },
      { assignee: "" },
      { owner: "agent" },
    ]) {
      const res = await patch(id, BOT_KEY, body);
      expect({ body, ...(await problemOf(res)) }).toMatchObject({ status: 400, code: "invalid_request" });
    }
    expect((await call("PATCH", "/v1/conversations/cnv_0000000000000000000000", BOT_KEY, { status: "open" })).status).toBe(404);
  });

  it("a customer message reopens a resolved thread", async () => {
    const { s, id } = await thread();
    await ok(await patch(id, BOT_KEY, { status: "resolved" }));
    await send(s.sessionToken, id, "back", "one more question");
    const log = await ok<{ events: StateEvent[] }>(await call("GET", `/v1/conversations/${id}/events`, BOT_KEY));
    expect(log.events.map((e) => [e.type, e.status ?? null, e.reason ?? null])).toEqual([
      ["conversation.updated", "resolved", null],
      ["message.created", null, null],
      ["conversation.updated", "open", "customer_message"],
    ]);
    // The customer's next chat continues this thread.
    expect(await openConversation(s.sessionToken)).toBe(id);
  });

  it("a snooze ends by alarm, with the object evicted and no request running", async () => {
    const { s, id } = await thread();
    const until = new Date(Date.now() + 1_500).toISOString();
    const snoozed = await ok<{ conversation: Conversation }>(await patch(id, BOT_KEY, { status: "snoozed", snoozedUntil: until }));
    expect(snoozed.conversation).toMatchObject({ status: "snoozed", snoozedUntil: until });
    await evictDurableObject(env.CONVERSATION.getByName(`demo:${id}`));
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await eventually(
      async () => (await ok<{ conversation: Conversation }>(await call("GET", `/v1/conversations/${id}`, BOT_KEY))).conversation,
      (c) => c.status === "open",
    );
    expect(after).toMatchObject({ status: "open", snoozedUntil: null });
    const log = await json<{ events: StateEvent[] }>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(log.events.at(-1)).toMatchObject({ status: "open", reason: "snooze_ended", changes: { status: ["snoozed", "open"] } });
  });

  it("a customer message ends a snooze at once", async () => {
    const { s, id } = await thread();
    await ok(await patch(id, BOT_KEY, { status: "snoozed", snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() }));
    await send(s.sessionToken, id, "wake", "hello?");
    const c = (await ok<{ conversation: Conversation }>(await call("GET", `/v1/conversations/${id}`, BOT_KEY))).conversation;
    expect(c).toMatchObject({ status: "open", snoozedUntil: null });
  });
});
