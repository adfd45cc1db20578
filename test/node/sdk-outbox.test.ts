// The durable outbox through the SDK against the real Worker: a message shows
// at once as pending, survives offline periods and reloads, and reaches the
// server log exactly once; the client never shows it twice.
import { describe, expect, it } from "vitest";
import { createClient, MemoryStorage, type CarryoverClient, type ConversationHandle } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { identityProvider, Network, serverLog, texts, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();

function client(userId: string, storage: MemoryStorage, net?: Network): CarryoverClient {
  return createClient({
    baseUrl: server().url,
    tenant: "demo",
    storage,
    identityToken: identityProvider(userId).provider,
    minReconnectDelay: 50,
    maxReconnectDelay: 400,
    ...(net ? { fetch: net.fetch, WebSocket: net.WebSocket } : {}),
  });
}

function outboxOf(storage: MemoryStorage, conversationId: string): { clientId: string }[] {
  return JSON.parse(storage.get(`carryover:demo:outbox:${conversationId}`) ?? "[]") as { clientId: string }[];
}

const settled = (h: ConversationHandle) => h.items.every((i) => i.pending === undefined);

async function customerTexts(conversationId: string): Promise<string[]> {
  return (await serverLog(server().url, conversationId)).filter((e) => e.sender.role === "customer").map((e) => e.content?.text ?? "");
}

describe("SDK outbox", () => {
  it("shows a sent message at once as pending, then replaces it with the server event", async () => {
    const storage = new MemoryStorage();
    const c = client(uniqueUser(), storage);
    const conversation = await c.conversation();
    const item = conversation.send({ type: "text", text: "hello" });
    expect(item.key).toMatch(/^local:[0-9a-f-]{36}$/);
    expect(item.pending).toMatchObject({ state: "pending", content: { type: "text", text: "hello" } });
    expect(conversation.items.map((i) => i.key)).toEqual([item.key]);

    await waitFor(() => settled(conversation) && conversation.items.length === 1, "delivery");
    const [delivered] = conversation.items;
    expect(delivered?.event).toMatchObject({ type: "message.created", seq: 1, clientId: item.pending?.clientId });
    expect(delivered?.key).toBe(delivered?.event?.id);
    expect(conversation.lastSeq).toBe(1);
    expect(await customerTexts(conversation.id)).toEqual(["hello"]);
    await waitFor(() => outboxOf(storage, conversation.id).length === 0, "outbox emptied");
    c.close();
  });

  it("delivers messages sent offline exactly once, in order, when the network returns", async () => {
    const storage = new MemoryStorage();
    const net = new Network();
    const c = client(uniqueUser(), storage, net);
    const conversation = await c.conversation();
    net.offline();
    for (const text of ["one", "two", "three"]) conversation.send({ type: "text", text });
    expect(texts(conversation.items)).toEqual(["one", "two", "three"]);
    expect(conversation.items.every((i) => i.pending?.state === "pending")).toBe(true);
    await waitFor(() => outboxOf(storage, conversation.id).length === 3, "outbox persisted");
    // Let delivery fail a few times while offline.
    const calls = net.fetchCalls;
    await waitFor(() => net.fetchCalls >= calls + 3, "retries while offline");
    expect(await customerTexts(conversation.id)).toEqual([]);

    net.reconnect();
    await waitFor(() => settled(conversation), "delivery after reconnect");
    expect(await customerTexts(conversation.id)).toEqual(["one", "two", "three"]);
    expect(texts(conversation.items)).toEqual(["one", "two", "three"]);
    expect(conversation.items.map((i) => i.seq)).toEqual([1, 2, 3]);
    await waitFor(() => outboxOf(storage, conversation.id).length === 0, "outbox emptied");
    c.close();
  });

  it("delivers the stored outbox once after a reload, and a second reload sends nothing again", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const net = new Network();
    const first = client(userId, storage, net);
    const conversation = await first.conversation();
    net.offline();
    conversation.send({ type: "text", text: "written offline" });
    conversation.send({ type: "text", text: "then the tab was closed" });
    await waitFor(() => outboxOf(storage, conversation.id).length === 2, "outbox persisted");
    first.close();

    const second = client(userId, storage);
    const reloaded = await second.conversation({ id: conversation.id });
    await waitFor(() => settled(reloaded) && reloaded.items.length === 2, "delivery after reload");
    expect(texts(reloaded.items)).toEqual(["written offline", "then the tab was closed"]);
    expect(await customerTexts(conversation.id)).toEqual(["written offline", "then the tab was closed"]);
    await waitFor(() => outboxOf(storage, conversation.id).length === 0, "outbox emptied");
    second.close();

    const third = client(userId, storage);
    const again = await third.conversation({ id: conversation.id });
    expect(texts(again.items)).toEqual(["written offline", "then the tab was closed"]);
    expect(await customerTexts(conversation.id)).toEqual(["written offline", "then the tab was closed"]);
    third.close();
  });

  it("shows a message once when the server got it but the tab died before the outbox was cleared", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const first = client(userId, storage);
    const conversation = await first.conversation();
    const item = conversation.send({ type: "text", text: "acknowledged, not forgotten" });
    await waitFor(() => settled(conversation), "delivery");
    first.close();
    // As if the process died between the server's answer and the outbox write.
    const clientId = item.pending?.clientId ?? "";
    storage.set(
      `carryover:demo:outbox:${conversation.id}`,
      JSON.stringify([{ clientId, content: { type: "text", text: "acknowledged, not forgotten" }, createdAt: new Date().toISOString() }]),
    );

    const second = client(userId, storage);
    const reloaded = await second.conversation({ id: conversation.id });
    await waitFor(() => outboxOf(storage, conversation.id).length === 0, "outbox cleared");
    expect(texts(reloaded.items)).toEqual(["acknowledged, not forgotten"]);
    expect(reloaded.items[0]?.event?.clientId).toBe(clientId);
    expect(await customerTexts(conversation.id)).toEqual(["acknowledged, not forgotten"]);
    second.close();
  });

  it("keeps a message the server refuses as failed instead of retrying it forever", async () => {
    const storage = new MemoryStorage();
    const c = client(uniqueUser(), storage);
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    const conversation = await c.conversation();
    // Customers may not send button templates (API.md "Content").
    const refused = conversation.send({ type: "buttons", text: "pick", buttons: [{ type: "postback", title: "A", payload: "a" }] });
    conversation.send({ type: "text", text: "after the refused one" });
    await waitFor(() => conversation.items.some((i) => i.pending?.state === "failed") && conversation.items.some((i) => i.event), "outcome");
    const failed = conversation.items.find((i) => i.key === refused.key);
    expect(failed?.pending?.state).toBe("failed");
    expect(errors.length).toBe(1);
    expect(outboxOf(storage, conversation.id).map((e) => e.clientId)).toEqual([refused.pending?.clientId]);
    expect(await customerTexts(conversation.id)).toEqual(["after the refused one"]);
    // Failed items stay after the server's events (pending ones last).
    expect(texts(conversation.items)).toEqual(["after the refused one", "pick"]);
    c.close();
  });

  it("delivers what was stored for a conversation even when the app does not open it again", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const net = new Network();
    const first = client(userId, storage, net);
    const conversation = await first.conversation();
    net.offline();
    conversation.send({ type: "text", text: "queued while offline" });
    conversation.send({ type: "text", text: "and this one" });
    await waitFor(() => outboxOf(storage, conversation.id).length === 2, "outbox persisted");
    expect(JSON.parse(storage.get("carryover:demo:outboxes") ?? "[]")).toEqual([conversation.id]);
    first.close();

    // The app starts again and only signs in; the chat screen is never opened.
    const second = client(userId, storage);
    await second.connect();
    await waitFor(async () => (await customerTexts(conversation.id)).length === 2, "delivery without a handle");
    expect(await customerTexts(conversation.id)).toEqual(["queued while offline", "and this one"]);
    await waitFor(() => storage.get("carryover:demo:outboxes") === null, "the outbox index emptied");
    expect(outboxOf(storage, conversation.id)).toEqual([]);
    const opened = await second.conversation({ id: conversation.id });
    expect(texts(opened.items)).toEqual(["queued while offline", "and this one"]);
    second.close();
  });
});
