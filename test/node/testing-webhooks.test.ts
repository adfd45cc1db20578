// carryover/testing end to end with Carryover's webhooks (API.md "Webhooks"):
// customer writes → a signed delivery reaches the tenant's receiver → the bot
// answers with the Send API → the customer's SDK sees it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, MemoryStorage, type ConversationHandle } from "../../src/client/index.ts";
import { startCarryover, type Carryover, type TestTenant } from "../../src/testing/index.ts";

let cv: Carryover;
beforeAll(async () => {
  cv = await startCarryover();
});
afterAll(async () => {
  await cv?.dispose();
});

const texts = (thread: ConversationHandle) =>
  thread.items.flatMap((i) => (i.event?.type === "message.created" && i.event.content.type === "text" ? [i.event.content.text] : []));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function customerThread(tenant: TestTenant, sub: string): Promise<ConversationHandle> {
  const client = createClient({ baseUrl: cv.url, tenant: tenant.id, storage: new MemoryStorage(), identityToken: () => tenant.mintIdentityToken(sub, { name: sub }) });
  await client.connect();
  return client.conversation();
}

describe("carryover/testing webhooks", () => {
  it("delivers a customer's message, signed, to the tenant's receiver; the bot's answer reaches the app", async () => {
    const tenant = await cv.createTenant();
    const hooks = await tenant.receiveWebhooks(["message.created"]);
    expect(hooks.endpointId).toMatch(/^whe_/);

    const thread = await customerThread(tenant, "wes");
    thread.send({ type: "text", text: "Is my parcel on its way?" });
    const delivery = await hooks.waitFor("message.created", { match: (d) => d.body.conversationId === thread.id, timeoutMs: 20_000 });
    expect(delivery.body.tenant).toBe(tenant.id);
    expect(delivery.body.data).toMatchObject({ sender: { role: "customer", id: "wes" }, content: { type: "text", text: "Is my parcel on its way?" } });

    const send = await fetch(`${cv.url}/v1/conversations/${thread.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ clientId: `reply:${delivery.id}`, sender: { role: "bot", id: "shop-bot" }, content: { type: "text", text: "Yes, it ships today." } }),
    });
    expect(send.status).toBe(201);
    await until(() => texts(thread).includes("Yes, it ships today."), "the bot's answer in the app");
    expect(hooks.rejected).toEqual([]);
  });

  it("gives each tenant only its own deliveries", async () => {
    const a = await cv.createTenant();
    const b = await cv.createTenant();
    const hooksA = await a.receiveWebhooks(["message.created"]);
    const hooksB = await b.receiveWebhooks(["message.created"]);
    const inA = await customerThread(a, "same-id");
    inA.send({ type: "text", text: "for tenant a only" });
    const delivery = await hooksA.waitFor("message.created", { timeoutMs: 20_000 });
    expect(delivery.body.tenant).toBe(a.id);
    await expect(hooksB.waitFor("message.created", { timeoutMs: 1_500 })).rejects.toThrow(/no message.created webhook/);
  });

  it("verifies with the endpoint's own secret: deliveries signed with another are refused, never handed out", async () => {
    const tenant = await cv.createTenant();
    const hooks = await tenant.receiveWebhooks(["message.created"]);
    hooks.setSecret(`whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64")}`);
    const thread = await customerThread(tenant, "mallory");
    thread.send({ type: "text", text: "signed with the real secret" });
    await until(() => hooks.rejected.length > 0, "Carryover's delivery to be refused");
    expect(hooks.rejected[0]?.reason).toMatch(/signature/);
    expect(hooks.deliveries).toEqual([]);
    await expect(hooks.waitFor("message.created", { timeoutMs: 300 })).rejects.toThrow(/refused: [1-9]/);
  });

  it("waits for a ping, and registers bot endpoints whose deliveries say whether the bot is on standby", async () => {
    const tenant = await cv.createTenant();
    const hooks = await tenant.receiveWebhooks(["message.created"], { bot: true, description: "shop bot" });
    const ping = await fetch(`${cv.url}/v1/webhook-endpoints/${hooks.endpointId}/test`, { method: "POST", headers: { authorization: `Bearer ${tenant.adminKey}` } });
    expect(ping.ok).toBe(true);
    expect((await hooks.waitFor("ping", { timeoutMs: 20_000 })).body.tenant).toBe(tenant.id);

    const thread = await customerThread(tenant, "bo");
    thread.send({ type: "text", text: "hi" });
    const delivery = await hooks.waitFor("message.created", { timeoutMs: 20_000 });
    expect(delivery.body).toMatchObject({ conversationId: thread.id, standby: false });
    const endpoint = await fetch(`${cv.url}/v1/webhook-endpoints/${hooks.endpointId}`, { headers: { authorization: `Bearer ${tenant.adminKey}` } });
    expect(await endpoint.json()).toMatchObject({ endpoint: { description: "shop bot", bot: true } });
  });

  it("says why an endpoint is refused", async () => {
    const tenant = await cv.createTenant();
    await expect(tenant.receiveWebhooks(["no.such.event"])).rejects.toThrow(/answered 400/);
  });
});
