// node:test: the same test of the shop's bot, with Node's own runner.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient, MemoryStorage, type ConversationHandle } from "carryover/client";
import { startCarryover, type Carryover } from "carryover/testing";
import { onWebhook } from "./bot.ts";

let cv: Carryover;
before(async () => {
  cv = await startCarryover();
});
after(async () => {
  await cv.dispose();
});

const texts = (thread: ConversationHandle) =>
  thread.items.flatMap((i) => (i.event?.type === "message.created" && i.event.content.type === "text" ? [i.event.content.text] : []));

/** Polls until `check` holds (or fails after 10 s). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
  }
}

test("the bot answers a customer's question about an order", async () => {
  const tenant = await cv.createTenant();
  const bot = { baseUrl: cv.url, apiKey: tenant.apiKey };
  const hooks = await tenant.receiveWebhooks(["message.created"]);

  const app = createClient({
    baseUrl: cv.url,
    tenant: tenant.id,
    storage: new MemoryStorage(),
    identityToken: () => tenant.mintIdentityToken("alice", { name: "Alice" }),
  });
  await app.connect();
  const thread = await app.conversation();
  thread.send({ type: "text", text: "Where is my order?" });

  const delivery = await hooks.waitFor("message.created");
  assert.equal(delivery.body.conversationId, thread.id);
  assert.deepEqual(delivery.body.data.content, { type: "text", text: "Where is my order?" });
  await onWebhook(bot, delivery.body);

  await eventually(() => texts(thread).includes("Your order ships tomorrow."), "the bot's answer in the app");
  app.close();
});
