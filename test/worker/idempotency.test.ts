// A sender's clientId makes retries safe: same content → the original event
// (200), other content → 409, concurrent retries → exactly one event.
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, send, uniqueUser } from "./helpers";

interface EventBody {
  event: { seq: number; id: string };
}

describe("idempotent sends", () => {
  it("answers a retry with the original event", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const first = await send(s.sessionToken, id, "retry-me", "hello");
    expect(first.status).toBe(201);
    const retry = await send(s.sessionToken, id, "retry-me", "hello");
    expect(retry.status).toBe(200);
    expect((await json<EventBody>(retry)).event).toEqual((await json<EventBody>(first)).event);
  });

  it("refuses the same clientId with other content", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await send(s.sessionToken, id, "same", "hello");
    const conflict = await send(s.sessionToken, id, "same", "something else");
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(conflict)).toMatchObject({ code: "conflict", status: 409 });
  });

  it("makes exactly one event from 20 concurrent sends with one clientId", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const responses = await Promise.all(Array.from({ length: 20 }, () => send(s.sessionToken, id, "burst", "once")));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 200)).toHaveLength(19);
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json<EventBody>(r)).event.id)));
    expect(ids.size).toBe(1);
    const page = await json<{ events: unknown[] }>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(page.events).toHaveLength(1);
  });

  it("treats the same clientId from the customer's other device as the same message", async () => {
    const user = uniqueUser();
    const a = await openSession(user);
    const b = await openSession(user);
    const id = await openConversation(a.sessionToken);
    expect((await send(a.sessionToken, id, "shared", "hi")).status).toBe(201);
    expect((await send(b.sessionToken, id, "shared", "hi")).status).toBe(200);
  });

  it("keeps a bot's clientIds apart from the customer's", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    expect((await send(s.sessionToken, id, "k1", "from customer")).status).toBe(201);
    const bot = await api(`/v1/conversations/${id}/messages`, {
      method: "POST",
      token: BOT_KEY,
      json: { clientId: "k1", sender: { role: "bot", id: "helper" }, content: { type: "text", text: "from bot" } },
    });
    expect(bot.status).toBe(201);
  });
});
