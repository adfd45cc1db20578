// Webhook deliveries as a receiver sees them: Standard Webhooks headers that
// the public `standardwebhooks` library verifies, the body of API.md
// "Webhooks", every event type a conversation produces, in seq order.
import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { addEndpoint, customer, deliveriesWhen, hookedThread, newTenant, receivedAtLeast, say, verify } from "./webhook-helpers";

describe("webhook deliveries", { timeout: 30_000 }, () => {
  it("delivers a customer's message signed, verifiable by standardwebhooks", async () => {
    const { tenant, endpoint, secret, bin, c } = await hookedThread();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const event = await say(c.token, c.conversationId, "Where is my order?");

    const [delivery] = await receivedAtLeast(bin, 1);
    const payload = verify(secret, delivery!) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: "message.created",
      tenant: tenant.id,
      conversationId: c.conversationId,
      seq: event.seq,
      data: { id: event.id, seq: event.seq, sender: { role: "customer", id: c.userId }, content: { type: "text", text: "Where is my order?" } },
    });
    expect(delivery!.headers["webhook-id"]).toBe(payload.id);
    expect(delivery!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(Math.abs(Number(delivery!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(300);
    expect(delivery!.headers["content-type"]).toBe("application/json");
    expect(Date.parse(String(payload.timestamp))).not.toBeNaN();
    // Not a bot endpoint: no standby flag at all.
    expect(payload).not.toHaveProperty("standby");

    // A wrong secret does not verify.
    expect(() => verify(`whsec_${btoa("another secret of 32 bytes......")}`, delivery!)).toThrow();
    // The listing shows it succeeded at the first attempt.
    const list = await deliveriesWhen(tenant, endpoint.id, (l) => l.some((d) => d.status === "succeeded"));
    expect(list[0]).toMatchObject({ id: payload.id, type: "message.created", conversationId: c.conversationId, seq: event.seq, status: "succeeded", attempts: 1, lastStatus: 200, nextAttemptAt: null });
  });

  it("sends business messages with data.sender.role, in seq order with prevSeq", async () => {
    const { tenant, secret, bin, c } = await hookedThread();
    await say(c.token, c.conversationId, "one");
    const reply = await api(`/v1/conversations/${c.conversationId}/messages`, {
      method: "POST",
      token: tenant.botKey,
      json: { clientId: "r1", sender: { role: "bot", id: "shop-bot" }, content: { type: "text", text: "two" } },
    });
    expect(reply.status).toBe(201);
    await say(c.token, c.conversationId, "three");

    const log = await receivedAtLeast(bin, 3);
    for (const d of log) verify(secret, d);
    expect(log.map((d) => d.json.data.content?.text)).toEqual(["one", "two", "three"]);
    expect(log.map((d) => d.json.data.sender?.role)).toEqual(["customer", "bot", "customer"]);
    expect(log.map((d) => d.json.seq)).toEqual([1, 2, 3]);
    expect(log.map((d) => d.json.prevSeq)).toEqual([undefined, 1, 2]);
    expect(new Set(log.map((d) => d.json.id)).size).toBe(3);
  });

  it("delivers conversation.created, read, conversation.updated and payment.updated, only to subscribers", async () => {
    const tenant = await newTenant();
    const all = await addEndpoint(tenant, ["conversation.created", "read", "conversation.updated", "payment.updated"]);
    const messagesOnly = await addEndpoint(tenant, ["message.created"]);
    const c = await customer(tenant);
    const first = await say(c.token, c.conversationId, "hello");
    expect((await api(`/v1/conversations/${c.conversationId}/read`, { method: "POST", token: c.token, json: { seq: first.seq } })).status).toBe(204);
    const business = (path: string, body: unknown) => api(`/v1/conversations/${c.conversationId}${path}`, { method: "POST", token: tenant.botKey, json: body });
    expect((await business("/messages", {
      clientId: "pay",
      sender: { role: "bot", id: "shop" },
      content: { type: "payment_request", requestId: "r-1", amount: 5, currency: "EUR", description: "Tea", payUrl: "https://pay.example.com/r", status: "pending" },
    })).status).toBe(201);
    // Sending marked seq 1 read already; reading the bot's message moves the cursor.
    expect((await api(`/v1/conversations/${c.conversationId}/read`, { method: "POST", token: c.token, json: { seq: 2 } })).status).toBe(204);
    expect((await business("/handover", { owner: "agent", agentId: "sam" })).status).toBe(200);
    expect((await business("/payments/r-1", { status: "paid" })).status).toBe(201);

    const log = await receivedAtLeast(all.bin, 4);
    for (const d of log) verify(all.secret, d);
    expect(log.map((d) => d.json.type)).toEqual(["conversation.created", "read", "conversation.updated", "payment.updated"]);
    expect(log[0]!.json.data).toMatchObject({ conversation: { id: c.conversationId, owner: "bot" }, customer: { id: c.userId } });
    expect(log[1]!.json.data).toEqual({ userId: c.userId, deviceId: c.deviceId, seq: 2 });
    expect(log[2]!.json).toMatchObject({ seq: 3, data: { type: "conversation.updated", owner: "agent" } });
    // prevSeq counts only what this endpoint was sent: the handover, not the messages.
    expect(log[3]!.json).toMatchObject({ seq: 4, prevSeq: 3, data: { type: "payment.updated", status: "paid" } });

    const messages = await receivedAtLeast(messagesOnly.bin, 2);
    expect(messages.map((d) => d.json.type)).toEqual(["message.created", "message.created"]);
  });

  it("POST /test sends a ping to that endpoint only", async () => {
    const tenant = await newTenant();
    const a = await addEndpoint(tenant, ["message.created"]);
    const b = await addEndpoint(tenant, ["message.created"]);
    const res = await api(`/v1/webhook-endpoints/${a.endpoint.id}/test`, { method: "POST", token: tenant.adminKey });
    expect(res.status).toBe(202);
    const [ping] = await receivedAtLeast(a.bin, 1);
    expect(verify(a.secret, ping!)).toMatchObject({ type: "ping", tenant: tenant.id, data: { endpointId: a.endpoint.id } });
    expect(ping!.json).not.toHaveProperty("conversationId");
    const list = await deliveriesWhen(tenant, a.endpoint.id, (l) => l.some((d) => d.status === "succeeded"));
    expect(list[0]).toMatchObject({ type: "ping", conversationId: null, seq: null, status: "succeeded" });
    await new Promise((r) => setTimeout(r, 200));
    expect(await receivedAtLeast(b.bin, 0)).toHaveLength(0);
  });
});
