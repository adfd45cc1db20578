// vitest: the shop's bot against a real Carryover, booted in this process.
import { createClient, MemoryStorage, type ConversationHandle } from "carryover/client";
import { startCarryover, type Carryover } from "carryover/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { onWebhook } from "./bot.ts";

let cv: Carryover;
beforeAll(async () => {
  cv = await startCarryover(); // in memory; startCarryover({ persistTo: ".carryover" }) keeps state
});
afterAll(async () => {
  await cv.dispose();
});

/** The texts the customer's app shows, server-confirmed. */
const texts = (thread: ConversationHandle) =>
  thread.items.flatMap((i) => (i.event?.type === "message.created" && i.event.content.type === "text" ? [i.event.content.text] : []));

test("the bot answers a customer's question about an order", async () => {
  const tenant = await cv.createTenant(); // a tenant of its own: no other test sees its data
  const bot = { baseUrl: cv.url, apiKey: tenant.apiKey };
  // The bot's webhook endpoint: a receiver that checks every signature, registered for this tenant.
  const hooks = await tenant.receiveWebhooks(["message.created"]);

  // 1. The customer writes in the shop's app: the SDK, signed in with the shop's identity token.
  const app = createClient({
    baseUrl: cv.url,
    tenant: tenant.id,
    storage: new MemoryStorage(),
    identityToken: () => tenant.mintIdentityToken("alice", { name: "Alice" }),
  });
  await app.connect();
  const thread = await app.conversation();
  thread.send({ type: "text", text: "Where is my order?" });

  // 2. The signed webhook arrives.
  const delivery = await hooks.waitFor("message.created");
  expect(delivery.body).toMatchObject({
    conversationId: thread.id,
    data: { sender: { role: "customer", id: "alice" }, content: { type: "text", text: "Where is my order?" } },
  });

  // 3. The bot handles it as its endpoint would, and answers with the Send API.
  await onWebhook(bot, delivery.body);

  // 4. The customer's app shows the answer, live.
  await expect.poll(() => texts(thread)).toContain("Your order ships tomorrow.");
  app.close();
});
