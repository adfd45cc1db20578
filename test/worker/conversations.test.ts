// POST /v1/conversations (get-or-create), GET /v1/conversations/:id, the
// person's list, and the same thread read from a second device.
import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, send, uniqueUser } from "./helpers";

interface ConversationBody {
  conversation: { id: string; status: string; owner: string; lastSeq: number; createdAt: string; ref?: string };
}

describe("conversations", () => {
  it("creates the person's open thread once, then returns it", async () => {
    const s = await openSession(uniqueUser());
    const first = await api("/v1/conversations", { method: "POST", token: s.sessionToken, json: { ref: "pricing-page" } });
    expect(first.status).toBe(201);
    const created = await json<ConversationBody>(first);
    expect(created.conversation).toMatchObject({ status: "open", owner: "bot", lastSeq: 0, ref: "pricing-page" });
    expect(created.conversation.id).toMatch(/^cnv_/);

    const again = await api("/v1/conversations", { method: "POST", token: s.sessionToken });
    expect(again.status).toBe(200);
    expect((await json<ConversationBody>(again)).conversation.id).toBe(created.conversation.id);
  });

  it("makes one thread under concurrent creates", async () => {
    const s = await openSession(uniqueUser());
    const ids = await Promise.all(Array.from({ length: 10 }, () => openConversation(s.sessionToken)));
    expect(new Set(ids).size).toBe(1);
  });

  it("shows a thread written on one device to the person's second device", async () => {
    const user = uniqueUser("alice");
    const phone = await openSession(user);
    const web = await openSession(user);
    expect(web.deviceId).not.toBe(phone.deviceId);
    const id = await openConversation(phone.sessionToken);
    expect((await send(phone.sessionToken, id, "m1", "from the app")).status).toBe(201);

    expect(await openConversation(web.sessionToken)).toBe(id);
    const page = await json<{ events: { content: { text: string } }[] }>(
      await api(`/v1/conversations/${id}/events`, { token: web.sessionToken }),
    );
    expect(page.events.map((e) => e.content.text)).toEqual(["from the app"]);

    const list = await json<{ conversations: { id: string; lastSeq: number }[] }>(
      await api("/v1/me/conversations", { token: web.sessionToken }),
    );
    expect(list.conversations).toEqual([expect.objectContaining({ id, lastSeq: 1 })]);
  });

  it("returns the conversation with per-device read cursors", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await send(s.sessionToken, id, "m1", "hi");
    const res = await api(`/v1/conversations/${id}`, { token: s.sessionToken });
    expect(res.status).toBe(200);
    const body = await json<ConversationBody & { reads: Record<string, number> }>(res);
    expect(body.conversation).toMatchObject({ id, lastSeq: 1, status: "open" });
    expect(body.reads).toEqual({ [s.deviceId]: 1 });
  });

  it("rejects an invalid ref", async () => {
    const s = await openSession(uniqueUser());
    const res = await api("/v1/conversations", { method: "POST", token: s.sessionToken, json: { ref: "" } });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("ref");
  });
});
