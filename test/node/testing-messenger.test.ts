// carryover/testing's Messenger helper against the real Worker and its
// dev-only simulator (API.md "Messenger channels"): a fresh tenant connects a
// page, a person writes in "Messenger" (a signed platform webhook), the bot's
// answer is sent through the send API and recorded by the simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCarryover, type Carryover, type TestTenant } from "../../src/testing/index.ts";

let cv: Carryover;
beforeAll(async () => {
  cv = await startCarryover();
});
afterAll(async () => {
  await cv?.dispose();
});

async function botSays(tenant: TestTenant, conversationId: string, text: string, clientId = `bot:${text}`): Promise<void> {
  const res = await fetch(`${cv.url}/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ clientId, sender: { role: "bot", id: "shop-bot" }, content: { type: "text", text } }),
  });
  expect(res.status).toBe(201);
}

describe("carryover/testing Messenger", () => {
  it("connects a page, takes a signed message in and records the bot's answer going out", async () => {
    const tenant = await cv.createTenant();
    await tenant.messenger.connect();
    const channels = await fetch(`${cv.url}/v1/channels`, { headers: { authorization: `Bearer ${tenant.adminKey}` } });
    expect(await channels.json()).toMatchObject({ channels: [{ kind: "messenger", pageId: tenant.messenger.pageId }] });
    const handshake = await fetch(
      `${tenant.messenger.webhookUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(tenant.messenger.verifyToken)}&hub.challenge=42`,
    );
    expect(await handshake.text()).toBe("42");

    const hooks = await tenant.receiveWebhooks(["message.created"]);
    const psid = tenant.messenger.psid();
    expect(await tenant.messenger.contact(psid)).toBeNull();
    await tenant.messenger.send(psid, "Is my bike ready?");

    const delivery = await hooks.waitFor("message.created", { timeoutMs: 20_000 });
    expect(delivery.body.data).toMatchObject({
      channel: "messenger",
      sender: { role: "customer", id: `msgr_${psid}` },
      content: { type: "text", text: "Is my bike ready?" },
    });
    const contact = await tenant.messenger.contact(psid);
    expect(contact).toEqual({ person: `msgr_${psid}`, conversationId: delivery.body.conversationId, linkedTo: null });

    await botSays(tenant, contact?.conversationId ?? "", "Yes, come by at five.");
    const sent = await tenant.messenger.waitForSent(psid, { timeoutMs: 20_000 });
    expect(sent).toMatchObject({ recipient: { id: psid }, messaging_type: "RESPONSE", message: { text: "Yes, come by at five." } });
    expect(await tenant.messenger.sent(psid)).toEqual([sent]);
  });

  it("returns each recorded message once, in order, and times out when nothing new comes", async () => {
    const tenant = await cv.createTenant();
    await tenant.messenger.connect();
    const psid = tenant.messenger.psid();
    await tenant.messenger.send(psid, { postback: { title: "Opening hours", payload: "HOURS" } });
    let conversationId: string | undefined;
    for (const deadline = Date.now() + 20_000; !conversationId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      conversationId = (await tenant.messenger.contact(psid))?.conversationId;
    }
    expect(conversationId).toMatch(/^cnv_/);
    await botSays(tenant, conversationId ?? "", "We open at nine.");
    await botSays(tenant, conversationId ?? "", "And close at six.");

    expect((await tenant.messenger.waitForSent(psid, { timeoutMs: 20_000 })).message.text).toBe("We open at nine.");
    expect((await tenant.messenger.waitForSent(psid, { timeoutMs: 20_000 })).message.text).toBe("And close at six.");
    await expect(tenant.messenger.waitForSent(psid, { timeoutMs: 300 })).rejects.toThrow(/nothing new sent to \d+ within 300 ms \(sent: .*We open at nine/);
  });

  it("refuses what Meta would not sign: a webhook with another app secret is 401, and nothing is stored", async () => {
    const tenant = await cv.createTenant();
    await tenant.messenger.connect();
    const psid = tenant.messenger.psid();
    const raw = JSON.stringify({
      object: "page",
      entry: [{ id: tenant.messenger.pageId, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: tenant.messenger.pageId }, timestamp: Date.now(), message: { mid: "m_forged", text: "forged" } }] }],
    });
    const res = await fetch(tenant.messenger.webhookUrl, { method: "POST", headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, body: raw });
    expect(res.status).toBe(401);
    expect(await tenant.messenger.contact(psid)).toBeNull();
  });

  it("keeps tenants' pages apart, and send() says when the tenant has no channel", async () => {
    const a = await cv.createTenant();
    const b = await cv.createTenant();
    expect(a.messenger.pageId).not.toBe(b.messenger.pageId);
    await expect(b.messenger.send(b.messenger.psid(), "hello")).rejects.toThrow(/answered 404/);
  });

  it("carries a website thread over to Messenger with an m.me ref, and the bot's answer goes out in Messenger", async () => {
    const tenant = await cv.createTenant();
    await tenant.messenger.connect();
    const hooks = await tenant.receiveWebhooks(["message.created"]);
    const session = await post<{ sessionToken: string }>("/v1/sessions", "", { tenant: tenant.id, identityToken: await tenant.mintIdentityToken("alice") });
    const { conversation } = await post<{ conversation: { id: string } }>("/v1/conversations", session.sessionToken, {});
    const link = await post<{ url: string; ref: string }>(`/v1/conversations/${conversation.id}/channel-link`, session.sessionToken, { channel: "messenger" });
    expect(link.url).toContain(`https://m.me/${tenant.messenger.pageId}?ref=`);

    const psid = tenant.messenger.psid();
    await tenant.messenger.send(psid, { ref: link.ref });
    await tenant.messenger.send(psid, "now in Messenger");
    const delivery = await hooks.waitFor("message.created", { timeoutMs: 20_000 });
    expect(delivery.body).toMatchObject({ conversationId: conversation.id, data: { channel: "messenger", content: { text: "now in Messenger" } } });
    expect(await tenant.messenger.contact(psid)).toMatchObject({ conversationId: conversation.id, linkedTo: "alice" });

    await botSays(tenant, conversation.id, "Got it, Alice.");
    expect((await tenant.messenger.waitForSent(psid, { timeoutMs: 20_000 })).message.text).toBe("Got it, Alice.");
  });
});

async function post<T>(path: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(`${cv.url}${path}`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.ok, `${path}: ${res.status} ${text}`).toBe(true);
  return JSON.parse(text) as T;
}
