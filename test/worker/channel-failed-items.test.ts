// A webhook item Carryover answered 200 for and then gave up on (its retries
// spent) is not lost: the business lists it on the contact and processes it
// again once the cause is gone.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChannelInbox } from "../../src/channels/inbox";
import { parseMessengerWebhook } from "../../src/channels/parse-messenger";
import { channelInboxStub } from "../../src/directory/stubs";
import { api, eventually, json } from "./helpers";
import { channelTenant, contactOf, eventsOf, messaging, messengerBody, mid, postWebhook, uniquePsid, type ChannelTenant } from "./channel-helpers";

interface FailedItem {
  id: number;
  key: string;
  kind: string;
  attempts: number;
  lastError: string | null;
  receivedAt: string;
}

/**
 * A Messenger message of `psid`, stored as the webhook stores it and given up
 * on at once, as ~8.6 h of failed attempts would leave it (say D1 was down
 * that long): nothing of it reached a thread. Returns its mid.
 */
async function givenUp(t: ChannelTenant, psid: string, text: string): Promise<string> {
  const key = mid();
  const inbox = channelInboxStub(env, t.id, `msgr_${psid}`);
  await runInDurableObject(inbox, async (instance: ChannelInbox, state) => {
    await instance.accept(t.id, parseMessengerWebhook(messengerBody(t, [messaging(t, psid, { message: { mid: key, text } })]), t.pageId));
    state.storage.sql.exec("UPDATE items SET status = 'failed', attempts = 8, last_error = 'D1_ERROR: unavailable' WHERE key = ?", key);
  });
  await runDurableObjectAlarm(inbox);
  return key;
}

describe("webhook items given up on", () => {
  it("are listed on the contact and processed again on request", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    expect((await postWebhook(t, "messenger", messengerBody(t, [messaging(t, psid, { message: { mid: mid(), text: "one" } })]))).status).toBe(200);
    const contact = await contactOf(t, "messenger", psid);
    await eventually(() => eventsOf(t, contact.conversationId), (e) => e.length === 1);
    // The identity's next item is given up on.
    const secondMid = await givenUp(t, psid, "two");

    const res = await api(`/v1/channels/messenger/contacts/${psid}/failed-items`, { token: t.adminKey });
    expect(res.status).toBe(200);
    const { items } = await json<{ items: FailedItem[] }>(res);
    expect(items).toEqual([{ id: expect.any(Number), key: secondMid, kind: "message", attempts: 8, lastError: "D1_ERROR: unavailable", receivedAt: expect.any(String) }]);
    const withCounts = await json<{ contact: { items: { pending: number; failed: number } } }>(await api(`/v1/channels/messenger/contacts/${psid}`, { token: t.adminKey }));
    expect(withCounts.contact.items).toEqual({ pending: 0, failed: 1 });
    expect((await eventsOf(t, contact.conversationId)).map((e) => (e.content as { text: string }).text)).toEqual(["one"]);

    // D1 is back: processed again, the message lands, nothing is left failed.
    const retry = await api(`/v1/channels/messenger/contacts/${psid}/failed-items/${items[0]!.id}/retry`, { method: "POST", token: t.adminKey });
    expect(retry.status).toBe(202);
    const events = await eventually(() => eventsOf(t, contact.conversationId), (e) => e.length === 2);
    expect(events.map((e) => (e.content as { text: string }).text)).toEqual(["one", "two"]);
    const after = await json<{ items: FailedItem[] }>(await api(`/v1/channels/messenger/contacts/${psid}/failed-items`, { token: t.adminKey }));
    expect(after.items).toEqual([]);
    // Only a failed item is retried: the same id again, an unknown one and a malformed one are 404.
    for (const id of [String(items[0]!.id), "999999", "0x1"]) {
      const again = await api(`/v1/channels/messenger/contacts/${psid}/failed-items/${id}/retry`, { method: "POST", token: t.adminKey });
      expect(again.status).toBe(404);
      expect(again.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("make a contact of an identity whose first message never went through; an identity never seen is 404", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const first = await givenUp(t, psid, "hello?");

    const contact = await api(`/v1/channels/messenger/contacts/${psid}`, { token: t.adminKey });
    expect(contact.status).toBe(200);
    expect((await json<{ contact: unknown }>(contact)).contact).toMatchObject({ person: `msgr_${psid}`, conversationId: null, items: { pending: 0, failed: 1 } });
    const { items } = await json<{ items: FailedItem[] }>(await api(`/v1/channels/messenger/contacts/${psid}/failed-items`, { token: t.adminKey }));
    expect(items.map((i) => i.key)).toEqual([first]);
    expect((await api(`/v1/channels/messenger/contacts/${psid}/failed-items/${items[0]!.id}/retry`, { method: "POST", token: t.adminKey })).status).toBe(202);
    const retried = await eventually(() => contactOf(t, "messenger", psid), (c) => c.conversationId !== null);
    expect((await eventsOf(t, retried.conversationId)).map((e) => (e.content as { text: string }).text)).toEqual(["hello?"]);

    // Waiting to be tried again (its first attempt failed): a contact without a thread, with nothing given up on yet.
    const waiting = uniquePsid();
    const key = mid();
    const waitingInbox = channelInboxStub(env, t.id, `msgr_${waiting}`);
    await runInDurableObject(waitingInbox, async (instance: ChannelInbox, state) => {
      await instance.accept(t.id, parseMessengerWebhook(messengerBody(t, [messaging(t, waiting, { message: { mid: key, text: "later" } })]), t.pageId));
      state.storage.sql.exec("UPDATE items SET attempts = 1, next_attempt_at = ?, last_error = 'D1_ERROR: unavailable' WHERE key = ?", Date.now() + 3_600_000, key);
    });
    const pending = await api(`/v1/channels/messenger/contacts/${waiting}`, { token: t.adminKey });
    expect((await json<{ contact: unknown }>(pending)).contact).toMatchObject({ conversationId: null, items: { pending: 1, failed: 0 } });
    const none = await api(`/v1/channels/messenger/contacts/${waiting}/failed-items`, { token: t.adminKey });
    expect(none.status).toBe(200);
    expect(await json(none)).toEqual({ items: [] });

    const stranger = uniquePsid();
    for (const path of [`/v1/channels/messenger/contacts/${stranger}`, `/v1/channels/messenger/contacts/${stranger}/failed-items`]) {
      const res = await api(path, { token: t.adminKey });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("are the business's only: a customer session is refused", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const session = await api("/v1/sessions", { method: "POST", json: { tenant: t.id } });
    const { sessionToken } = await json<{ sessionToken: string }>(session);
    const res = await api(`/v1/channels/messenger/contacts/${psid}/failed-items`, { token: sessionToken });
    expect(res.status).toBe(403);
  });
});
