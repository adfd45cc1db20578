// vitest: the shop's bot against a real Carryover, booted in this process.
import { createClient, MemoryStorage, type ConversationHandle } from "carryover/client";
import { startCarryover, type Carryover } from "carryover/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { answer, readThread } from "./bot.ts";

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
  await expect.poll(() => texts(thread)).toContain("Where is my order?");

  // 2. The bot learns of the message. With webhooks (see "Webhooks" in docs/TESTING.md):
  //      const hooks = await tenant.receiveWebhooks(["message.created"]);
  //      await onWebhook(bot, (await hooks.waitFor("message.created")).body);
  //    Here the bot reads the thread with its API key instead.
  const question = (await readThread(bot, thread.id)).find((e) => e.sender.role === "customer");
  if (!question) throw new Error("the customer's message is not in the thread");
  expect(question.content?.text).toBe("Where is my order?");

  // 3. The bot answers with the Send API.
  await answer(bot, thread.id, question);

  // 4. The customer's app shows the answer, live.
  await expect.poll(() => texts(thread)).toContain("Your order ships tomorrow.");
  app.close();
});
