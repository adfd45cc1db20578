// The business side of a thread: handover between bot and human and payment
// status updates are log events every device sees, live and on sync.
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, uniqueUser } from "./helpers";
import { openReady, type EventFrame } from "./live-helpers";

function business(path: string, body: unknown): Promise<Response> {
  return api(path, { method: "POST", token: BOT_KEY, json: body });
}

async function requestPayment(id: string, requestId: string): Promise<{ id: string }> {
  const res = await business(`/v1/conversations/${id}/messages`, {
    clientId: `pay-${requestId}`,
    sender: { role: "bot", id: "shop" },
    content: { type: "payment_request", requestId, amount: 42, currency: "EUR", description: "Repair", payUrl: "https://pay.example.com/r", status: "pending" },
  });
  expect(res.status).toBe(201);
  return (await json<{ event: { id: string } }>(res)).event;
}

describe("handover", () => {
  it("passes the thread to a human and back, as events on every device", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const phone = await openReady(id, s.sessionToken);

    const take = await business(`/v1/conversations/${id}/handover`, { owner: "agent", agentId: "sam", reason: "asked for a person" });
    expect(take.status).toBe(200);
    expect(await json(take)).toMatchObject({ conversation: { owner: "agent" }, event: { type: "conversation.updated", owner: "agent" } });
    const live = (await phone.next()) as EventFrame;
    expect(live.event).toMatchObject({ type: "conversation.updated", owner: "agent", status: "open", reason: "asked for a person", sender: { role: "agent", id: "agent" } });
    // The customer's phone never learns which agent (src/conversation/state.ts eventForCustomer).
    expect(phone.raw.join("")).not.toContain("sam");

    const again = await json<{ event: unknown }>(await business(`/v1/conversations/${id}/handover`, { owner: "agent" }));
    expect(again.event).toBeNull();

    await business(`/v1/conversations/${id}/handover`, { owner: "bot", reason: "idle" });
    const conversation = await json<{ conversation: { owner: string } }>(await api(`/v1/conversations/${id}`, { token: s.sessionToken }));
    expect(conversation.conversation.owner).toBe("bot");
    const events = await json<{ events: { type: string; owner?: string }[] }>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(events.events.map((e) => e.owner)).toEqual(["agent", "bot"]);
  });

  it("is for API keys only and validates the owner", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    expect((await api(`/v1/conversations/${id}/handover`, { method: "POST", token: s.sessionToken, json: { owner: "agent" } })).status).toBe(403);
    expect((await business(`/v1/conversations/${id}/handover`, { owner: "nobody" })).status).toBe(400);
  });
});

describe("payment updates", () => {
  it("marks a payment request paid once, targeting the request's event", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const request = await requestPayment(id, "r-1");
    const phone = await openReady(id, s.sessionToken);

    const paid = await business(`/v1/conversations/${id}/payments/r-1`, { status: "paid" });
    expect(paid.status).toBe(201);
    const { event } = await json<{ event: { seq: number; type: string; target: string; status: string } }>(paid);
    expect(event).toMatchObject({ type: "payment.updated", target: request.id, status: "paid" });
    expect(((await phone.next()) as EventFrame).event).toMatchObject({ type: "payment.updated", target: request.id });

    const retry = await business(`/v1/conversations/${id}/payments/r-1`, { status: "paid" });
    expect(retry.status).toBe(200);
    expect((await json<{ event: { seq: number } }>(retry)).event.seq).toBe(event.seq);

    const cancel = await business(`/v1/conversations/${id}/payments/r-1`, { status: "cancelled" });
    expect(cancel.status).toBe(409);
  });

  it("answers 404 for an unknown request and 400 for an unknown status", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await requestPayment(id, "r-2");
    expect((await business(`/v1/conversations/${id}/payments/nope`, { status: "paid" })).status).toBe(404);
    expect((await business(`/v1/conversations/${id}/payments/r-2`, { status: "refunded" })).status).toBe(400);
  });
});
