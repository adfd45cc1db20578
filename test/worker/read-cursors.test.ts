// Per-device read cursors: they never move backwards, and they drive the
// unread count in the person's conversation list.
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, uniqueUser } from "./helpers";

interface Thread {
  id: string;
  lastSeq: number;
  readSeq: number;
  unread: number;
  lastEvent: { seq: number } | null;
}

async function botSays(id: string, i: number): Promise<void> {
  const res = await api(`/v1/conversations/${id}/messages`, {
    method: "POST",
    token: BOT_KEY,
    json: { clientId: `bot-${i}`, sender: { role: "bot", id: "b" }, content: { type: "text", text: `bot ${i}` } },
  });
  expect(res.status).toBe(201);
}

function markRead(token: string, id: string, seq: number): Promise<Response> {
  return api(`/v1/conversations/${id}/read`, { method: "POST", token, json: { seq } });
}

async function thread(token: string, id: string): Promise<Thread | undefined> {
  // The list is updated by the conversation right after each write; poll briefly.
  for (let i = 0; i < 50; i++) {
    const list = await json<{ conversations: Thread[] }>(await api("/v1/me/conversations", { token }));
    const found = list.conversations.find((t) => t.id === id);
    if (found && found.lastEvent) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

async function settledThread(token: string, id: string, ready: (t: Thread) => boolean): Promise<Thread | undefined> {
  for (let i = 0; i < 50; i++) {
    const t = await thread(token, id);
    if (t && ready(t)) return t;
    await new Promise((r) => setTimeout(r, 20));
  }
  return thread(token, id);
}

describe("read cursors", () => {
  it("never moves a device's cursor backwards", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    for (let i = 0; i < 5; i++) await botSays(id, i);
    expect((await markRead(s.sessionToken, id, 4)).status).toBe(204);
    expect((await markRead(s.sessionToken, id, 2)).status).toBe(204);
    const body = await json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${id}`, { token: s.sessionToken }));
    expect(body.reads[s.deviceId]).toBe(4);
  });

  it("clamps a cursor to the last event", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await botSays(id, 1);
    await markRead(s.sessionToken, id, 99);
    const body = await json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${id}`, { token: s.sessionToken }));
    expect(body.reads[s.deviceId]).toBe(1);
  });

  it("keeps cursors per device", async () => {
    const user = uniqueUser();
    const a = await openSession(user);
    const b = await openSession(user);
    const id = await openConversation(a.sessionToken);
    for (let i = 0; i < 3; i++) await botSays(id, i);
    await markRead(a.sessionToken, id, 3);
    await markRead(b.sessionToken, id, 1);
    const body = await json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${id}`, { token: a.sessionToken }));
    expect(body.reads).toEqual({ [a.deviceId]: 3, [b.deviceId]: 1 });
  });

  it("counts unread messages from the business until the person reads them", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    for (let i = 0; i < 3; i++) await botSays(id, i);
    const before = await settledThread(s.sessionToken, id, (t) => t.lastSeq === 3);
    expect(before).toMatchObject({ lastSeq: 3, readSeq: 0, unread: 3, lastEvent: { seq: 3 } });

    await markRead(s.sessionToken, id, 2);
    const after = await settledThread(s.sessionToken, id, (t) => t.readSeq === 2);
    expect(after).toMatchObject({ readSeq: 2, unread: 1 });
  });

  it("rejects a negative or non-integer seq", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    expect((await markRead(s.sessionToken, id, -1)).status).toBe(400);
    expect((await markRead(s.sessionToken, id, 1.5)).status).toBe(400);
  });
});
