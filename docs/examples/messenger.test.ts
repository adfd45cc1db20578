// vitest: the same bot answering a customer who writes on the shop's Facebook Page.
import { startCarryover, type Carryover } from "carryover/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { onWebhook } from "./bot.ts";

let cv: Carryover;
beforeAll(async () => {
  cv = await startCarryover();
});
afterAll(async () => {
  await cv.dispose();
});

test("the bot answers in Messenger", async () => {
  const tenant = await cv.createTenant();
  const bot = { baseUrl: cv.url, apiKey: tenant.apiKey };
  const hooks = await tenant.receiveWebhooks(["message.created"]);
  await tenant.messenger.connect(); // PUT /v1/channels/messenger: a page whose sends go to the simulator

  // A person writes to the page: a webhook signed with the app secret, as Meta sends it.
  const psid = tenant.messenger.psid();
  await tenant.messenger.send(psid, "Where is my order?");

  // Carryover turns it into a customer message of the person msgr_<psid>; the bot answers.
  const delivery = await hooks.waitFor("message.created");
  expect(delivery.body.data).toMatchObject({ channel: "messenger", sender: { role: "customer", id: `msgr_${psid}` } });
  await onWebhook(bot, delivery.body);

  // The answer goes out through Messenger's Send API: the simulator recorded it.
  const sent = await tenant.messenger.waitForSent(psid);
  expect(sent).toMatchObject({ recipient: { id: psid }, message: { text: "Your order ships tomorrow." } });
});
