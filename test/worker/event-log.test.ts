// The append-only log: gap-free seq under concurrency, and durability across
// a restart of the Durable Object.
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, send, uniqueUser } from "./helpers";

interface Page {
  events: { seq: number; id: string; clientId?: string }[];
  cursor: number;
  hasMore: boolean;
}

describe("event log", () => {
  it("numbers concurrent writes 1..N with no gaps and no repeats", async () => {
    // Four devices of one person, so the per-device send limit (30 per 10 s) is not what is tested.
    const user = uniqueUser();
    const devices = await Promise.all([0, 1, 2, 3].map(() => openSession(user)));
    const s = devices[0]!;
    const id = await openConversation(s.sessionToken);
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => send(devices[i % 4]!.sessionToken, id, `c${i}`, `message ${i}`)),
    );
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const page = await json<Page>(await api(`/v1/conversations/${id}/events?limit=500`, { token: s.sessionToken }));
    expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(page.events.map((e) => e.clientId)).size).toBe(40);
    expect(new Set(page.events.map((e) => e.id)).size).toBe(40);
  });

  it("gives event ids of the usual shape that ascend with the log, so the id index grows at its end", async () => {
    // Ids are opaque to clients (API.md); their time order is what keeps an append's cost flat in a long
    // thread (src/ids.ts newOrderedId; the bench's 100,000-event row). Appends 2 ms apart: one ms apart at least.
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    for (let i = 0; i < 6; i++) {
      expect((await send(s.sessionToken, id, `o${i}`, `ordered ${i}`)).status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const page = await json<Page>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    const ids = page.events.map((e) => e.id);
    for (const eventId of ids) expect(eventId).toMatch(/^evt_[0-9A-Za-z]{22}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((e) => e.slice(12))).size).toBe(ids.length);
  });

  it("keeps every acknowledged write across a restart and continues the sequence", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    for (let i = 0; i < 5; i++) expect((await send(s.sessionToken, id, `a${i}`, `before ${i}`)).status).toBe(201);

    await evictDurableObject(env.CONVERSATION.getByName(`demo:${id}`));

    expect((await send(s.sessionToken, id, "after", "after restart")).status).toBe(201);
    const page = await json<Page>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(page.events.at(-1)?.clientId).toBe("after");
  });

  it("stamps each event with id, time and the customer's device", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const res = await send(s.sessionToken, id, "c1", "hello");
    const { event } = await json<{ event: Record<string, unknown> }>(res);
    expect(event).toMatchObject({
      seq: 1,
      type: "message.created",
      clientId: "c1",
      sender: { role: "customer", id: s.user.id, deviceId: s.deviceId },
      content: { type: "text", text: "hello" },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(Number.isNaN(Date.parse(String(event.at)))).toBe(false);
  });
});
