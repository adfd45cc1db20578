// A Conversation DO skips outbox entries no endpoint takes (no row, no alarm),
// trusting a cached summary of the tenant's endpoints. These tests prove the
// cache never costs a delivery: an endpoint created or changed just now gets
// the very next event of a thread that cached "nobody listens".
import { describe, expect, it } from "vitest";
import { api } from "./helpers";
import { addEndpoint, customer, hookedThread, newTenant, received, receivedAtLeast, say } from "./webhook-helpers";

/** Messages that make the thread load (and then trust) its tenant's endpoint summary. */
async function warm(token: string, conversationId: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await say(token, conversationId, `warm-up ${i}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("outbox entries only for endpoints that exist", { timeout: 30_000 }, () => {
  it("an endpoint created just now gets the next message of a thread that had none", async () => {
    const tenant = await newTenant();
    const c = await customer(tenant);
    await warm(c.token, c.conversationId);

    const { bin } = await addEndpoint(tenant, ["message.created"]);
    const event = await say(c.token, c.conversationId, "right after the endpoint");
    const log = await receivedAtLeast(bin, 1);
    expect(log.map((d) => d.json.seq)).toContain(event.seq);
    expect(log.find((d) => d.json.seq === event.seq)!.json.data.content?.text).toBe("right after the endpoint");
  });

  it("an endpoint changed to take a type gets the next event of that type", async () => {
    const { tenant, endpoint, bin, c } = await hookedThread([], ["payment.updated"]);
    await warm(c.token, c.conversationId);
    expect(await received(bin)).toEqual([]);

    const patched = await api(`/v1/webhook-endpoints/${endpoint.id}`, {
      method: "PATCH",
      token: tenant.adminKey,
      json: { events: ["payment.updated", "message.created"] },
    });
    expect(patched.status).toBe(200);
    const event = await say(c.token, c.conversationId, "now it listens");
    const log = await receivedAtLeast(bin, 1);
    expect(log.map((d) => d.json.seq)).toContain(event.seq);
  });

  it("a disabled endpoint enabled again gets the next message", async () => {
    const tenant = await newTenant();
    const { endpoint, bin } = await addEndpoint(tenant, ["message.created"]);
    const off = await api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", token: tenant.adminKey, json: { disabled: true } });
    expect(off.status).toBe(200);
    const c = await customer(tenant);
    await warm(c.token, c.conversationId);

    const on = await api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", token: tenant.adminKey, json: { disabled: false } });
    expect(on.status).toBe(200);
    const event = await say(c.token, c.conversationId, "enabled again");
    const log = await receivedAtLeast(bin, 1);
    expect(log.map((d) => d.json.seq)).toContain(event.seq);
  });
});
