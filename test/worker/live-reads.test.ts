// Read receipts over the socket: a `read` frame moves the device's cursor
// (never back), reaches the person's other devices and the business sockets,
// and updates the person's unread count.
import { describe, expect, it } from "vitest";
import { api, eventually, json, openConversation, openSession, uniqueUser } from "./helpers";
import { botSend } from "./live-helpers";
import { openSoloThread, openThread } from "../support/live-thread";

interface ThreadList {
  conversations: { id: string; unread: number; readSeq: number }[];
}

async function unreadOf(token: string, id: string): Promise<{ unread: number; readSeq: number }> {
  const list = await json<ThreadList>(await api("/v1/me/conversations", { token }));
  const thread = list.conversations.find((c) => c.id === id);
  if (!thread) throw new Error("thread not listed");
  return { unread: thread.unread, readSeq: thread.readSeq };
}

describe("live read receipts", () => {
  it("moves the cursor forward only and tells the other devices and the bot", async () => {
    const { user, id, phone, laptop, socket } = await openThread("uma");
    const stranger = await openSession(uniqueUser("vic"));
    await openConversation(stranger.sessionToken);
    for (let i = 1; i <= 3; i++) expect((await botSend(id, `b${i}`, `bot says ${i}`)).status).toBe(201);
    expect(await eventually(() => unreadOf(phone.sessionToken, id), (v) => v.unread === 3)).toEqual({ unread: 3, readSeq: 0 });

    const a = await socket("phone", 3);
    const b = await socket("laptop", 3);
    const bot = await socket("bot", 3);

    a.send({ type: "read", seq: 2 });
    const receipt = { type: "read", userId: user, deviceId: phone.deviceId, seq: 2 };
    expect(await b.next()).toEqual(receipt);
    expect(await bot.next()).toEqual(receipt);
    expect(await a.drain()).toEqual([]); // not echoed to the reader
    expect(await eventually(() => unreadOf(phone.sessionToken, id), (v) => v.unread === 1)).toEqual({ unread: 1, readSeq: 2 });

    // Backwards and repeated reads change nothing and tell nobody.
    a.send({ type: "read", seq: 1 });
    a.send({ type: "read", seq: 2 });
    expect(await a.drain()).toEqual([]);
    expect(await b.drain()).toEqual([]);
    expect(await bot.drain()).toEqual([]);
    const reads = await json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${id}`, { token: phone.sessionToken }));
    expect(reads.reads[phone.deviceId]).toBe(2);

    // Past the end reads up to the end.
    b.send({ type: "read", seq: 99 });
    expect(await a.next()).toEqual({ type: "read", userId: user, deviceId: laptop.deviceId, seq: 3 });
    expect(await bot.next()).toEqual({ type: "read", userId: user, deviceId: laptop.deviceId, seq: 3 });
    expect(await eventually(() => unreadOf(phone.sessionToken, id), (v) => v.unread === 0)).toEqual({ unread: 0, readSeq: 3 });
  });

  it("passes reads made over HTTP to the live sockets too", async () => {
    const { user, id, phone, socket } = await openSoloThread("wes");
    expect((await botSend(id, "b1", "hello")).status).toBe(201);
    const bot = await socket("bot", 1);
    const res = await api(`/v1/conversations/${id}/read`, { method: "POST", token: phone.sessionToken, json: { seq: 1 } });
    expect(res.status).toBe(204);
    expect(await bot.next()).toEqual({ type: "read", userId: user, deviceId: phone.deviceId, seq: 1 });
  });
});
