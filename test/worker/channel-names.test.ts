// What the business calls a messenger person: a Messenger webhook carries only
// the PSID, so the name comes from the User Profile API (looked up with the
// page token, once a week at most; a refused look never holds the message);
// WhatsApp's contact name comes with the webhook. Either is shown to agents,
// so either is cleaned like every display name.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { InboxStore } from "../../src/channels/inbox-store";
import { messengerName } from "../../src/channels/messenger-profile";
import { channelInboxStub } from "../../src/directory/stubs";
import { api, eventually, json } from "./helpers";
import {
  channelTenant,
  contactOf,
  eventsOf,
  graphError,
  messaging,
  messengerBody,
  mid,
  mockProfiles,
  postWebhook,
  uniquePsid,
  waTimestamp,
  whatsappBody,
  type ChannelTenant,
} from "./channel-helpers";

/** `psid` writes `text` in Messenger; resolves once the thread holds `count` events. */
async function write(t: ChannelTenant, psid: string, text: string, count: number): Promise<string> {
  expect((await postWebhook(t, "messenger", messengerBody(t, [messaging(t, psid, { message: { mid: mid(), text } })]))).status).toBe(200);
  const { conversationId } = await contactOf(t, "messenger", psid);
  await eventually(() => eventsOf(t, conversationId), (e) => e.length === count);
  return conversationId;
}

/** The thread's customer and the people index's person, as the business reads them. */
async function namesOf(t: ChannelTenant, personId: string, conversationId: string): Promise<{ thread: string | null; person: string | null }> {
  const thread = await json<{ conversation: { customer: { name?: string | null } } }>(await api(`/v1/conversations/${conversationId}`, { token: t.adminKey }));
  const res = await eventually(() => api(`/v1/people/${personId}`, { token: t.adminKey }), (r) => r.status === 200);
  const person = await json<{ person: { name: string | null } }>(res);
  return { thread: thread.conversation.customer.name ?? null, person: person.person.name };
}

describe("messenger persons' names", () => {
  it("a Messenger person is named by the User Profile API, looked up once with the page token", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const { lookups } = mockProfiles(t.pageToken, { [psid]: { first_name: "Ana", last_name: "Lima" } });
    const conversationId = await write(t, psid, "Is the Roadster 7 in stock?", 1);
    await write(t, psid, "In red?", 2);

    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.url.pathname.endsWith(`/${psid}`)).toBe(true);
    expect(lookups[0]!.url.searchParams.get("fields")).toBe("first_name,last_name");
    expect(lookups[0]!.authorization).toBe(`Bearer ${t.pageToken}`);
    const events = await eventsOf(t, conversationId);
    expect(events.map((e) => e.sender)).toEqual([
      expect.objectContaining({ role: "customer", id: `msgr_${psid}`, name: "Ana Lima" }),
      expect.objectContaining({ role: "customer", id: `msgr_${psid}`, name: "Ana Lima" }),
    ]);
    expect(await namesOf(t, `msgr_${psid}`, conversationId)).toEqual({ thread: "Ana Lima", person: "Ana Lima" });
    // The directory finds the thread by the name.
    const found = await eventually(
      () => api(`/v1/conversations?q=${encodeURIComponent("ana lima")}`, { token: t.adminKey }).then((r) => json<{ conversations: { id: string }[] }>(r)),
      (page) => page.conversations.some((c) => c.id === conversationId),
    );
    expect(found.conversations.map((c) => c.id)).toContain(conversationId);
  });

  it("a refused lookup (no profile access) keeps the person unnamed, stores the message and is not retried for a day", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const { lookups } = mockProfiles(t.pageToken, { [psid]: () => graphError(400, 10, "(#10) Requires business_asset_user_profile_access feature") });
    const conversationId = await write(t, psid, "hello", 1);
    await write(t, psid, "anyone there?", 2);

    expect(lookups).toHaveLength(1);
    const events = await eventsOf(t, conversationId);
    expect(events.map((e) => (e.content as { text: string }).text)).toEqual(["hello", "anyone there?"]);
    expect(events[0]!.sender).not.toHaveProperty("name");
    expect(await namesOf(t, `msgr_${psid}`, conversationId)).toEqual({ thread: null, person: null });
  });

  it("names that could spoof what agents read are cleaned: Messenger's and WhatsApp's alike", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    // U+202E reverses the text after it; U+200B makes two names look alike.
    mockProfiles(t.pageToken, { [psid]: { first_name: "\u202eAna\u200b", last_name: " Lima\u0007" } });
    const messengerThread = await write(t, psid, "hi", 1);
    expect((await eventsOf(t, messengerThread))[0]!.sender).toMatchObject({ name: "Ana Lima" });

    const waId = uniquePsid();
    const body = whatsappBody(t, {
      contacts: [{ profile: { name: "Maria\u202e  Silva\u2066" }, wa_id: waId }],
      messages: [{ from: waId, id: `wamid.${crypto.randomUUID()}`, timestamp: waTimestamp(), type: "text", text: { body: "olá" } }],
    });
    expect((await postWebhook(t, "whatsapp", body)).status).toBe(200);
    const { conversationId } = await contactOf(t, "whatsapp", waId);
    const events = await eventually(() => eventsOf(t, conversationId), (e) => e.length === 1);
    expect(events[0]!.sender).toMatchObject({ name: "Maria Silva" });
    expect(await namesOf(t, `wa_${waId}`, conversationId)).toEqual({ thread: "Maria Silva", person: "Maria Silva" });
  });

  it("a name is looked up again a week later; a failed look keeps it and is tried again a day later", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    let answer: () => Response = () => Response.json({ first_name: "Ana", last_name: "Lima", id: psid });
    const { lookups } = mockProfiles(t.pageToken, { [psid]: () => answer() });
    await write(t, psid, "one", 1);
    const inbox = channelInboxStub(env, t.id, `msgr_${psid}`);
    const day = 24 * 3600 * 1000;
    const start = Date.now();
    const nameAt = (at: number) => runInDurableObject(inbox, (_o, state) => messengerName(env, t.id, new InboxStore(state.storage.sql), psid, at));
    expect(await nameAt(start + 6 * day)).toBe("Ana Lima");
    expect(lookups).toHaveLength(1);
    // A week on, Graph is down: the name stays, and the next look is a day later (not another week).
    answer = () => graphError(500, 2, "Service temporarily unavailable");
    expect(await nameAt(start + 8 * day)).toBe("Ana Lima");
    expect(lookups).toHaveLength(2);
    expect(await nameAt(start + 8 * day + day / 2)).toBe("Ana Lima");
    expect(lookups).toHaveLength(2);
    answer = () => Response.json({ first_name: "Ana", last_name: "Lima-Souza", id: psid });
    expect(await nameAt(start + 9 * day + 1)).toBe("Ana Lima-Souza");
    expect(lookups).toHaveLength(3);
  });
});
