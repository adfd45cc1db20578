// A person's conversation list (GET /v1/me/conversations), the same on every
// device: last event, lastSeq, readSeq and unread, read from the threads when listed.
import { describe, expect, it } from "vitest";
import { BOT_KEY, api, eventually, openConversation, openSession, send, uniqueUser } from "./helpers";
import { myThreads, type ThreadRow } from "./identity-helpers";

/** The list is pushed by each thread after its writes (debounced); wait until it shows `want`. */
function listWhen(token: string, want: (rows: ThreadRow[]) => boolean): Promise<ThreadRow[]> {
  return eventually(() => myThreads(token), want);
}

function botSays(conversationId: string, clientId: string, text: string): Promise<Response> {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token: BOT_KEY,
    json: { clientId, sender: { role: "bot", id: "shopbot" }, content: { type: "text", text } },
  });
}

describe("the person's thread list", () => {
  it("shows last event, unread and read position on every device", async () => {
    const userId = uniqueUser();
    const phone = await openSession(userId);
    const laptop = await openSession(userId);
    const id = await openConversation(phone.sessionToken);
    await send(phone.sessionToken, id, "c1", "where is my parcel?");
    await botSays(id, "b1", "let me check");
    await botSays(id, "b2", "it arrives tomorrow");

    const rows = await listWhen(laptop.sessionToken, (r) => r[0]?.lastSeq === 3);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, status: "open", lastSeq: 3, readSeq: 1, unread: 2 });
    expect(rows[0]!.lastEvent).toMatchObject({ seq: 3, content: { text: "it arrives tomorrow" } });

    expect((await api(`/v1/conversations/${id}/read`, { method: "POST", token: laptop.sessionToken, json: { seq: 2 } })).status).toBe(204);
    const afterRead = await listWhen(phone.sessionToken, (r) => r[0]?.readSeq === 2);
    expect(afterRead[0]).toMatchObject({ lastSeq: 3, readSeq: 2, unread: 1 });
  });

  it("is exact right after every write, however busy the thread (pulled, not pushed)", async () => {
    const userId = uniqueUser();
    const phone = await openSession(userId);
    const id = await openConversation(phone.sessionToken);
    await send(phone.sessionToken, id, "c1", "hello?");
    for (let i = 1; i <= 6; i++) {
      expect((await botSays(id, `burst-${i}`, `answer ${i}`)).status).toBe(201);
      // No waiting: the list read right after the 201 already counts this message.
      const [row] = await myThreads(phone.sessionToken);
      expect(row).toMatchObject({ id, lastSeq: 1 + i, readSeq: 1, unread: i });
      expect(row!.lastEvent).toMatchObject({ seq: 1 + i, content: { text: `answer ${i}` } });
    }
    expect((await api(`/v1/conversations/${id}/read`, { method: "POST", token: phone.sessionToken, json: { seq: 7 } })).status).toBe(204);
    expect((await myThreads(phone.sessionToken))[0]).toMatchObject({ lastSeq: 7, readSeq: 7, unread: 0 });
    // A state change the list shows (resolved) is there at once too.
    expect((await api(`/v1/conversations/${id}`, { method: "PATCH", token: BOT_KEY, json: { status: "resolved" } })).status).toBe(200);
    expect((await myThreads(phone.sessionToken))[0]).toMatchObject({ status: "resolved" });
  });

  it("lists only the person's own threads", async () => {
    const alice = await openSession(uniqueUser("alice"));
    const bob = await openSession(uniqueUser("bob"));
    const aliceThread = await openConversation(alice.sessionToken);
    await openConversation(bob.sessionToken);
    expect((await myThreads(alice.sessionToken)).map((t) => t.id)).toEqual([aliceThread]);
    expect((await api("/v1/me/conversations", { token: BOT_KEY })).status).toBe(403);
  });
});
