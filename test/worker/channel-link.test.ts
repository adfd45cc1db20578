// Carry-over website → Messenger: the website's channel-link gives an m.me
// link with a one-time signed ref; the platform's referral webhook with that
// ref links the Messenger identity to the web person, so their next
// Messenger message lands in the same thread and answers go to Messenger.
// Nothing else links identities: not a forged, reused or foreign ref.
import { describe, expect, it } from "vitest";
import { api, eventually, identityToken, json, uniqueUser, type SessionAnswer } from "./helpers";
import {
  channelTenant,
  contactOf,
  deliveriesOf,
  eventsOf,
  messaging,
  messengerBody,
  mid,
  mockGraph,
  mockProfiles,
  postWebhook,
  sendAs,
  uniquePsid,
  type ChannelTenant,
} from "./channel-helpers";

async function webPerson(t: ChannelTenant, userId = uniqueUser("alice")): Promise<{ userId: string; token: string; conversationId: string }> {
  const res = await api("/v1/sessions", {
    method: "POST",
    json: { tenant: t.id, identityToken: await identityToken(userId, { iss: t.id, secret: t.identitySecret, name: "Alice" }) },
  });
  if (res.status !== 201) throw new Error(`session: ${res.status} ${await res.text()}`);
  const { sessionToken } = await json<SessionAnswer>(res);
  const opened = await api("/v1/conversations", { method: "POST", token: sessionToken, json: {} });
  const { conversation } = await json<{ conversation: { id: string } }>(opened);
  const sent = await api(`/v1/conversations/${conversation.id}/messages`, {
    method: "POST",
    token: sessionToken,
    json: { clientId: "web-1", content: { type: "text", text: "I ordered a Roadster 7 on the website" } },
  });
  expect(sent.status).toBe(201);
  return { userId, token: sessionToken, conversationId: conversation.id };
}

async function channelLink(token: string, conversationId: string): Promise<{ url: string; ref: string }> {
  const res = await api(`/v1/conversations/${conversationId}/channel-link`, { method: "POST", token, json: { channel: "messenger" } });
  expect(res.status).toBe(201);
  return json<{ url: string; ref: string }>(res);
}

function referral(t: ChannelTenant, psid: string, ref: string) {
  return messaging(t, psid, { referral: { ref, source: "SHORTLINK", type: "OPEN_THREAD" } });
}

function text(t: ChannelTenant, psid: string, value: string) {
  return messaging(t, psid, { message: { mid: mid(), text: value } });
}

/** A Messenger user's thread, carried to the website by the business's handoff link: their guest-like web session. */
async function messengerThreadOnWeb(t: ChannelTenant, psid = uniquePsid()): Promise<{ psid: string; conversationId: string; onWeb: SessionAnswer }> {
  expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "Hi from Messenger")]))).status).toBe(200);
  const { conversationId } = await contactOf(t, "messenger", psid);
  await eventually(() => eventsOf(t, conversationId), (e) => e.length === 1);
  const link = await json<{ handoffToken: string }>(await api(`/v1/conversations/${conversationId}/handoff`, { method: "POST", token: t.adminKey }));
  const onWeb = await json<SessionAnswer>(await api("/v1/sessions", { method: "POST", json: { tenant: t.id, handoffToken: link.handoffToken } }));
  return { psid, conversationId, onWeb };
}

interface DirectoryRow {
  id: string;
  lastSeq: number;
  customer: { channels: string[] };
}

/** The thread's row as the business's directory lists it now (undefined until pushed). */
async function directoryRow(t: ChannelTenant, conversationId: string): Promise<DirectoryRow | undefined> {
  const page = await json<{ conversations: DirectoryRow[] }>(await api("/v1/conversations?limit=100", { token: t.adminKey }));
  return page.conversations.find((c) => c.id === conversationId);
}

describe("website → Messenger carry-over", () => {
  it("links the Messenger identity by the one-time ref; the thread continues there both ways", async () => {
    const t = await channelTenant();
    const graph = mockGraph();
    const { calls } = graph;
    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    expect(link.url).toBe(`https://m.me/${t.pageId}?ref=${encodeURIComponent(link.ref)}`);
    expect(link.ref).toMatch(new RegExp(`^cl1\\.${alice.conversationId}\\.lnk_[0-9A-Za-z]{12}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}$`));
    // Before the link, business messages are the website's only.
    expect((await sendAs(t, alice.conversationId, "bot", { type: "text", text: "web only" })).status).toBe(201);

    const psid = uniquePsid();
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref), text(t, psid, "Hi, it's me in Messenger")]))).status).toBe(200);
    const contact = await contactOf(t, "messenger", psid);
    expect(contact).toMatchObject({ conversationId: alice.conversationId, linkedTo: alice.userId });
    const events = await eventually(() => eventsOf(t, alice.conversationId), (e) => e.length === 3);
    expect(events.at(-1)).toMatchObject({
      channel: "messenger",
      sender: { role: "customer", id: alice.userId, deviceId: `msgr_${psid}` },
      content: { type: "text", text: "Hi, it's me in Messenger" },
    });

    expect((await sendAs(t, alice.conversationId, "agent", { type: "text", text: "Got it, Alice" })).status).toBe(201);
    const [delivery] = await eventually(() => deliveriesOf(t, alice.conversationId), (d) => d[0]?.status === "succeeded");
    expect(delivery!.seq).toBe(4);
    expect(calls.map((c) => c.body)).toEqual([{ recipient: { id: psid }, messaging_type: "RESPONSE", message: { text: "Got it, Alice" } }]);
    // Alice sees the Messenger message on the website.
    const page = await json<{ events: { content?: { text?: string } }[] }>(await api(`/v1/conversations/${alice.conversationId}/events`, { token: alice.token }));
    // The log also holds state changes (the agent's message took the thread over), which have no content.
    expect(page.events.map((e) => e.content?.text)).toContain("Hi, it's me in Messenger");
    // The business sees where Alice reaches the thread: the website, and now Messenger.
    const thread = await json<{ conversation: { customer: { channels: string[] } } }>(await api(`/v1/conversations/${alice.conversationId}`, { token: t.adminKey }));
    expect(thread.conversation.customer.channels).toEqual(["web", "messenger"]);
  });

  it("keeps the name the business gave a linked person: the Messenger profile's is not theirs", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const { lookups } = mockProfiles(t.pageToken, { [psid]: { first_name: "Maya", last_name: "Rivera" } });
    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref), text(t, psid, "Hi, it's me in Messenger")]))).status).toBe(200);
    const events = await eventually(() => eventsOf(t, alice.conversationId), (e) => e.length === 2);
    expect(events.at(-1)!.sender).toEqual({ role: "customer", id: alice.userId, deviceId: `msgr_${psid}` });
    const thread = await json<{ conversation: { customer: { name: string } } }>(await api(`/v1/conversations/${alice.conversationId}`, { token: t.adminKey }));
    expect(thread.conversation.customer.name).toBe("Alice");
    // Nobody asked Meta for a name that is not used.
    expect(lookups).toEqual([]);
  });

  it("links at most one identity per ref; forged and foreign refs link nobody", async () => {
    const t = await channelTenant();
    const other = await channelTenant();
    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    const first = uniquePsid();
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, first, link.ref)]))).status).toBe(200);
    await eventually(() => contactOf(t, "messenger", first), (c) => c.linkedTo === alice.userId);

    const parts = link.ref.split(".");
    const forged = [...parts.slice(0, 4), `${parts[4]!.slice(0, -1)}${parts[4]!.endsWith("A") ? "B" : "A"}`].join(".");
    const attempts: [ChannelTenant, string][] = [
      [t, link.ref], // the same ref again, from someone else
      [t, forged],
      [other, link.ref], // signed for another tenant
    ];
    for (const [tenant, ref] of attempts) {
      const psid = uniquePsid();
      const body = messengerBody(tenant, [referral(tenant, psid, ref), text(tenant, psid, "let me in")]);
      expect((await postWebhook(tenant, "messenger", body)).status).toBe(200);
      const contact = await contactOf(tenant, "messenger", psid);
      expect(contact).toMatchObject({ person: `msgr_${psid}`, linkedTo: null });
      expect(contact.conversationId).not.toBe(alice.conversationId);
    }
    expect(await eventsOf(t, alice.conversationId)).toHaveLength(1);
  });

  it("links through the Get Started postback of a new Messenger user", async () => {
    const t = await channelTenant();
    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    const psid = uniquePsid();
    const postback = messaging(t, psid, { postback: { mid: mid(), title: "Get Started", payload: "GET_STARTED", referral: { ref: link.ref, source: "SHORTLINK", type: "OPEN_THREAD" } } });
    expect((await postWebhook(t, "messenger", messengerBody(t, [postback]))).status).toBe(200);
    const contact = await contactOf(t, "messenger", psid);
    expect(contact).toMatchObject({ conversationId: alice.conversationId, linkedTo: alice.userId });
    const events = await eventually(() => eventsOf(t, alice.conversationId), (e) => e.length === 2);
    expect(events[1]).toMatchObject({ channel: "messenger", content: { type: "postback", payload: "GET_STARTED" } });
  });

  it("follows a linked guest who signs in: the contact lookup names the person, not the merged guest", async () => {
    const t = await channelTenant();
    mockGraph();
    const guest = await json<SessionAnswer>(await api("/v1/sessions", { method: "POST", json: { tenant: t.id } }));
    const { conversation } = await json<{ conversation: { id: string } }>(await api("/v1/conversations", { method: "POST", token: guest.sessionToken, json: {} }));
    const link = await channelLink(guest.sessionToken, conversation.id);
    const psid = uniquePsid();
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref)]))).status).toBe(200);
    await eventually(() => contactOf(t, "messenger", psid), (c) => c.linkedTo === guest.user.id);

    const hank = uniqueUser("hank");
    const signedIn = await api("/v1/sessions", {
      method: "POST",
      json: { tenant: t.id, identityToken: await identityToken(hank, { iss: t.id, secret: t.identitySecret }), guestToken: guest.guestToken },
    });
    expect(signedIn.status).toBe(201);
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "It's Hank, from Messenger")]))).status).toBe(200);
    const events = await eventually(() => eventsOf(t, conversation.id), (e) => e.some((x) => x.channel === "messenger"));
    expect(events.find((x) => x.channel === "messenger")).toMatchObject({ sender: { id: hank } });
    expect(await contactOf(t, "messenger", psid)).toMatchObject({ conversationId: conversation.id, linkedTo: hank });
  });

  it("moves a Messenger person who had a thread of their own: the old thread no longer sends to Messenger", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const psid = uniquePsid();
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "Hi, first time here")]))).status).toBe(200);
    const own = (await contactOf(t, "messenger", psid)).conversationId;
    await eventually(() => eventsOf(t, own), (e) => e.length === 1);

    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref), text(t, psid, "It's Alice")]))).status).toBe(200);
    await eventually(() => eventsOf(t, alice.conversationId), (e) => e.length === 2);

    // An answer in the old thread stays there: the person is reached in Alice's thread now.
    expect((await sendAs(t, own, "agent", { type: "text", text: "old thread" })).status).toBe(201);
    expect((await sendAs(t, alice.conversationId, "agent", { type: "text", text: "Hello Alice" })).status).toBe(201);
    await eventually(() => deliveriesOf(t, alice.conversationId), (d) => d[0]?.status === "succeeded");
    expect(await deliveriesOf(t, own)).toEqual([]);
    expect(calls.map((c) => (c.body.message as { text: string }).text)).toEqual(["Hello Alice"]);
    const old = await json<{ conversation: { status: string; customer: { channels: string[] } } }>(await api(`/v1/conversations/${own}`, { token: t.adminKey }));
    expect(old.conversation.customer.channels).not.toContain("messenger");
    // It reaches nobody now: resolved by Carryover, saying (to the business) where the person went.
    expect(old.conversation.status).toBe("resolved");
    expect((await eventsOf(t, own)).filter((e) => e.reason === "channel_moved")).toEqual([
      expect.objectContaining({ sender: { role: "system", id: "carryover" }, reason: "channel_moved", metadata: { movedTo: alice.conversationId }, changes: { status: ["open", "resolved"] } }),
    ]);
    // The directory shows it too, once the old thread's row is pushed.
    expect(await eventually(() => directoryRow(t, own), (r) => r?.customer.channels.includes("messenger") === false)).toMatchObject({ customer: { channels: [] } });
  });

  it("says where the person went also when their old thread was already resolved", async () => {
    const t = await channelTenant();
    mockGraph();
    const psid = uniquePsid();
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "Hi")]))).status).toBe(200);
    const own = (await contactOf(t, "messenger", psid)).conversationId;
    expect((await api(`/v1/conversations/${own}`, { method: "PATCH", token: t.adminKey, json: { status: "resolved" } })).status).toBe(200);
    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref)]))).status).toBe(200);
    await eventually(() => contactOf(t, "messenger", psid), (c) => c.linkedTo === alice.userId);
    const moved = await eventually(() => eventsOf(t, own), (e) => e.some((x) => x.reason === "channel_moved"));
    expect(moved.filter((e) => e.reason === "channel_moved")).toEqual([
      expect.objectContaining({ type: "conversation.updated", status: "resolved", changes: {}, metadata: { movedTo: alice.conversationId } }),
    ]);
  });

  it("carries what the Messenger person opted in to over to the person they now write as: broadcasts still reach Messenger", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const topic = `deals-${crypto.randomUUID().slice(0, 8)}`;
    expect((await api(`/v1/topics/${topic}`, { method: "PUT", token: t.adminKey, json: { name: "Deals" } })).status).toBe(201);
    // The Messenger person opts in on the website (the business's handoff link), then follows Alice's m.me link.
    const { psid, conversationId: own, onWeb } = await messengerThreadOnWeb(t);
    expect((await api(`/v1/me/subscriptions/${topic}`, { method: "PUT", token: onWeb.sessionToken })).ok).toBe(true);
    // The business labelled them too.
    await eventually(() => api(`/v1/people/msgr_${psid}`, { token: t.adminKey }), (r) => r.status === 200);
    expect((await api(`/v1/people/msgr_${psid}`, { method: "PATCH", token: t.adminKey, json: { labels: { add: ["from-ads"] } } })).status).toBe(200);
    const alice = await webPerson(t);
    const link = await channelLink(alice.token, alice.conversationId);
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref)]))).status).toBe(200);
    await eventually(() => contactOf(t, "messenger", psid), (c) => c.linkedTo === alice.userId);
    const labelsOf = async (id: string) => (await json<{ person: { labels: string[] } }>(await api(`/v1/people/${id}`, { token: t.adminKey }))).person.labels;
    expect(await labelsOf(alice.userId)).toEqual(["from-ads"]);
    // They moved, not copied: tapping the link again brings back nothing the business removed since.
    expect(await labelsOf(`msgr_${psid}`)).toEqual([]);
    expect((await api(`/v1/people/${alice.userId}`, { method: "PATCH", token: t.adminKey, json: { labels: { remove: ["from-ads"] } } })).status).toBe(200);
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, psid, link.ref)]))).status).toBe(200);
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "me again")]))).status).toBe(200);
    await eventually(() => eventsOf(t, alice.conversationId), (e) => e.some((x) => x.content?.text === "me again"));
    expect(await labelsOf(alice.userId)).toEqual([]);

    const created = await api("/v1/broadcasts", { method: "POST", token: t.adminKey, json: { topic, content: { type: "text", text: "Half price today" } } });
    expect(created.status).toBe(202);
    const { broadcast } = await json<{ broadcast: { id: string } }>(created);
    const done = await eventually(
      async () => (await json<{ broadcast: { status: string; delivered: number } }>(await api(`/v1/broadcasts/${broadcast.id}`, { token: t.adminKey }))).broadcast,
      (b) => b.status === "completed",
    );
    expect(done.delivered).toBe(1);
    const sent = await eventually(async () => calls.map((c) => c.body), (bodies) => bodies.length > 0);
    expect(sent).toEqual([expect.objectContaining({ recipient: { id: psid }, message: expect.objectContaining({ text: "Half price today" }) })]);
    expect((await eventsOf(t, alice.conversationId)).some((e) => e.broadcastId === broadcast.id)).toBe(true);
    expect((await eventsOf(t, own)).some((e) => e.broadcastId === broadcast.id)).toBe(false);
  });

  it("shows the link in the directory as soon as the person opens the m.me link, before they write", async () => {
    const t = await channelTenant();
    const alice = await webPerson(t);
    const row = () => directoryRow(t, alice.conversationId);
    // The row of Alice's message is in the directory first: the link is a change of its own.
    expect(await eventually(row, (r) => r?.lastSeq === 1)).toMatchObject({ customer: { channels: ["web"] } });
    const link = await channelLink(alice.token, alice.conversationId);
    expect((await postWebhook(t, "messenger", messengerBody(t, [referral(t, uniquePsid(), link.ref)]))).status).toBe(200);
    expect(await eventually(row, (r) => r?.customer.channels.includes("messenger") === true)).toMatchObject({ customer: { channels: ["web", "messenger"] } });
  });

  it("is for the thread's own customer, and for Messenger only", async () => {
    const t = await channelTenant();
    const alice = await webPerson(t);
    const mallory = await webPerson(t, uniqueUser("mallory"));
    const path = `/v1/conversations/${alice.conversationId}/channel-link`;
    expect((await api(path, { method: "POST", token: mallory.token, json: { channel: "messenger" } })).status).toBe(404);
    expect((await api(path, { method: "POST", token: t.adminKey, json: { channel: "messenger" } })).status).toBe(403);
    expect((await api(path, { method: "POST", token: alice.token, json: { channel: "whatsapp" } })).status).toBe(400);
    expect((await api(path, { method: "DELETE", token: alice.token })).status).toBe(404);
  });
});

describe("Messenger → website, then signed out everywhere", () => {
  it("keeps taking the person's messages from Messenger: signing out the website does not sign out the app", async () => {
    const t = await channelTenant();
    mockGraph();
    const { psid, conversationId, onWeb } = await messengerThreadOnWeb(t);
    expect((await api("/v1/sessions", { method: "DELETE", token: onWeb.sessionToken })).status).toBe(204);
    // The website's tokens are void…
    expect((await api("/v1/sessions", { method: "POST", json: { tenant: t.id, guestToken: onWeb.guestToken } })).status).toBe(401);
    // …and the app goes on writing to the same thread.
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "Still here in Messenger")]))).status).toBe(200);
    const events = await eventually(() => eventsOf(t, conversationId), (e) => e.length === 2);
    expect(events[1]).toMatchObject({ channel: "messenger", content: { type: "text", text: "Still here in Messenger" } });
  });
});

describe("Messenger → website, then signed in", () => {
  it("merges the Messenger person into the identified person: one thread everywhere", async () => {
    const t = await channelTenant();
    const graph = mockGraph();
    // The business's "Continue on our website" link, opened on the website: a guest-like session of the Messenger person.
    const { psid, conversationId, onWeb } = await messengerThreadOnWeb(t);
    expect(onWeb.user).toMatchObject({ id: `msgr_${psid}`, guest: true });
    expect(onWeb.guestToken).toEqual(expect.any(String));

    // The website signs them in: identity token + the guest token merge the Messenger person's thread into Alice.
    const alice = uniqueUser("alice");
    const signedIn = await api("/v1/sessions", {
      method: "POST",
      json: { tenant: t.id, identityToken: await identityToken(alice, { iss: t.id, secret: t.identitySecret }), guestToken: onWeb.guestToken },
    });
    expect(signedIn.status).toBe(201);
    const session = await json<SessionAnswer & { mergedConversations?: string[] }>(signedIn);
    expect(session.mergedConversations).toEqual([conversationId]);

    // Messenger again: the message is Alice's, in the same thread, and the answer goes to Messenger.
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "Still me, in Messenger")]))).status).toBe(200);
    const events = await eventually(() => eventsOf(t, conversationId), (e) => e.length === 2);
    expect(events[1]).toMatchObject({ channel: "messenger", sender: { role: "customer", id: alice, deviceId: `msgr_${psid}` } });
    expect(await contactOf(t, "messenger", psid)).toMatchObject({ conversationId, linkedTo: alice });
    const mine = await eventually(
      async () => json<{ conversations: { id: string }[] }>(await api("/v1/me/conversations", { token: session.sessionToken })),
      (list) => list.conversations.some((c) => c.id === conversationId),
    );
    expect(mine.conversations.map((c) => c.id)).toContain(conversationId);
    expect((await sendAs(t, conversationId, "agent", { type: "text", text: "Welcome back, Alice" })).status).toBe(201);
    await eventually(() => deliveriesOf(t, conversationId), (d) => d[0]?.status === "succeeded");
    expect(graph.calls.map((c) => c.body)).toEqual([{ recipient: { id: psid }, messaging_type: "RESPONSE", message: { text: "Welcome back, Alice" } }]);
  });

  it("names the thread by the Messenger profile until the person signs in, then by the business's name for them", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    mockProfiles(t.pageToken, { [psid]: { first_name: "Sam", last_name: "Jensen" } });
    const { conversationId, onWeb } = await messengerThreadOnWeb(t, psid);
    const nameOf = async () => (await json<{ conversation: { customer: { name: string } } }>(await api(`/v1/conversations/${conversationId}`, { token: t.adminKey }))).conversation.customer.name;
    expect(await nameOf()).toBe("Sam Jensen");
    const bob = uniqueUser("bob");
    const token = await identityToken(bob, { iss: t.id, secret: t.identitySecret, name: "Bob Identified" });
    expect((await api("/v1/sessions", { method: "POST", json: { tenant: t.id, identityToken: token, guestToken: onWeb.guestToken } })).status).toBe(201);
    expect(await nameOf()).toBe("Bob Identified");
    // Messenger again: still Bob's name, on the thread and on the message.
    expect((await postWebhook(t, "messenger", messengerBody(t, [text(t, psid, "Still me")]))).status).toBe(200);
    const events = await eventually(() => eventsOf(t, conversationId), (e) => e.length === 2);
    expect(events[1]!.sender).toEqual({ role: "customer", id: bob, deviceId: `msgr_${psid}` });
    expect(await nameOf()).toBe("Bob Identified");
  });
});
