// Topics and a customer's own subscriptions: opt in and out over HTTP, and
// the "Stop" postback (carryover:unsubscribe:<topic>) over HTTP and live.
import { describe, expect, it } from "vitest";
import { BOT_KEY, api, eventually, identityToken, json, openConversation, openSession, uniqueUser } from "./helpers";
import { adminKeyOf, newTopic } from "./broadcast-helpers";
import { openReady } from "./live-helpers";

interface Subs {
  subscriptions: { topic: string }[];
  topics: { topic: string; name: string; subscribed: boolean }[];
}

async function subsOf(token: string): Promise<Subs> {
  return json<Subs>(await api("/v1/me/subscriptions", { token }));
}

describe("subscriptions", () => {
  it("admins define topics; customers opt in and out", async () => {
    const topic = await newTopic();
    const update = await api(`/v1/topics/${topic}`, { method: "PUT", token: await adminKeyOf(), json: { name: "Deals", description: "Weekly" } });
    expect(update.status).toBe(200);
    expect((await api("/v1/topics/Bad Topic", { method: "PUT", token: await adminKeyOf(), json: { name: "x" } })).status).toBe(400);
    const s = await openSession(uniqueUser());
    let subs = await subsOf(s.sessionToken);
    expect(subs.subscriptions).toEqual([]);
    expect(subs.topics.find((t) => t.topic === topic)).toMatchObject({ name: "Deals", subscribed: false });
    const put = await api(`/v1/me/subscriptions/${topic}`, { method: "PUT", token: s.sessionToken });
    expect(put.status).toBe(200);
    subs = await subsOf(s.sessionToken);
    expect(subs.subscriptions.map((x) => x.topic)).toEqual([topic]);
    expect(subs.topics.find((t) => t.topic === topic)?.subscribed).toBe(true);
    const del = await api(`/v1/me/subscriptions/${topic}`, { method: "DELETE", token: s.sessionToken });
    expect(del.status).toBe(200);
    expect((await subsOf(s.sessionToken)).subscriptions).toEqual([]);
    expect((await api("/v1/me/subscriptions", { token: BOT_KEY })).status).toBe(403);
  });

  it("the unsubscribe postback opts out, over HTTP and over a live socket", async () => {
    const [first, second] = [await newTopic(), await newTopic()];
    const s = await openSession(uniqueUser());
    for (const t of [first, second]) await api(`/v1/me/subscriptions/${t}`, { method: "PUT", token: s.sessionToken });
    const conversationId = await openConversation(s.sessionToken);
    const res = await api(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      token: s.sessionToken,
      json: { clientId: "stop-1", content: { type: "postback", payload: `carryover:unsubscribe:${first}`, title: "Stop" } },
    });
    expect(res.status).toBe(201);
    expect((await subsOf(s.sessionToken)).subscriptions.map((x) => x.topic)).toEqual([second]);

    const live = await openReady(conversationId, s.sessionToken);
    live.send({ type: "send", clientId: "stop-2", content: { type: "postback", payload: `carryover:unsubscribe:${second}`, title: "Stop" } });
    await live.until((f) => f.type === "ack");
    let subs = await subsOf(s.sessionToken);
    for (let i = 0; i < 250 && subs.subscriptions.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      subs = await subsOf(s.sessionToken);
    }
    expect(subs.subscriptions).toEqual([]);
    live.close();
  });

  it("a guest's opt-ins carry over when they sign in (guest merge), and the guest leaves the people index", async () => {
    const topic = await newTopic();
    const guestRes = await api("/v1/sessions", { method: "POST", json: { tenant: "demo" } });
    const guest = await json<{ sessionToken: string; guestToken: string; user: { id: string } }>(guestRes);
    await api(`/v1/me/subscriptions/${topic}`, { method: "PUT", token: guest.sessionToken });
    await eventually(() => api(`/v1/people/${guest.user.id}`, { token: BOT_KEY }), (r) => r.status === 200);
    expect((await api(`/v1/people/${guest.user.id}`, { method: "PATCH", token: BOT_KEY, json: { labels: { add: ["vip"] } } })).status).toBe(200);
    const userId = uniqueUser("merged");
    const merged = await api("/v1/sessions", {
      method: "POST",
      json: { tenant: "demo", identityToken: await identityToken(userId), guestToken: guest.guestToken },
    });
    expect(merged.status).toBe(201);
    const person = await json<{ sessionToken: string }>(merged);
    expect((await subsOf(person.sessionToken)).subscriptions.map((x) => x.topic)).toEqual([topic]);
    expect((await api(`/v1/people/${guest.user.id}`, { token: BOT_KEY })).status).toBe(404);
    // A person new to the index gets the guest's labels, and then what their own device pushes.
    const row = await eventually(
      async () => (await json<{ person: { labels: string[]; guest: boolean; lastSeenAt: string | null } }>(await api(`/v1/people/${userId}`, { token: BOT_KEY }))).person,
      (p) => p.lastSeenAt !== null,
    );
    expect(row).toMatchObject({ labels: ["vip"], guest: false });
  });

  it("a guest's labels and timezone carry over too, joining the person's own", async () => {
    const userId = uniqueUser("labelled");
    await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await identityToken(userId) } });
    await eventually(() => api(`/v1/people/${userId}`, { token: BOT_KEY }), (r) => r.status === 200);
    const label = async (id: string, body: unknown) => expect((await api(`/v1/people/${id}`, { method: "PATCH", token: BOT_KEY, json: body })).status).toBe(200);
    await label(userId, { labels: { add: ["de"] } });
    const guest = await json<{ guestToken: string; user: { id: string } }>(await api("/v1/sessions", { method: "POST", json: { tenant: "demo" } }));
    await eventually(() => api(`/v1/people/${guest.user.id}`, { token: BOT_KEY }), (r) => r.status === 200);
    await label(guest.user.id, { labels: { add: ["vip", "de"] }, timezone: "Europe/Berlin" });

    const merged = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await identityToken(userId), guestToken: guest.guestToken } });
    expect(merged.status).toBe(201);
    const person = await json<{ person: { labels: string[]; timezone: string | null } }>(await api(`/v1/people/${userId}`, { token: BOT_KEY }));
    expect(person.person).toMatchObject({ labels: ["de", "vip"], timezone: "Europe/Berlin" });
  });
});
