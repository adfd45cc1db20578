// Read cursors and unread counts through the SDK, across a person's devices.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { botSend, sdkClient, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

const server = useLocalServer();

const client = (userId: string, storage = new MemoryStorage(), extra: ClientExtra = {}) => sdkClient(server().url, userId, storage, extra);

describe("SDK reads", () => {
  it("shares read cursors across the person's devices and keeps unread counts", async () => {
    const userId = uniqueUser();
    const phone = client(userId);
    const laptop = client(userId);
    const onPhone = await phone.conversation();
    const onLaptop = await laptop.conversation();
    expect(onLaptop.id).toBe(onPhone.id);
    await waitFor(() => onPhone.connection === "live" && onLaptop.connection === "live", "both live");
    await botSend(server().url, onPhone.id, "one");
    await botSend(server().url, onPhone.id, "two");
    await waitFor(() => onPhone.unread === 2 && onLaptop.unread === 2, "two unread on both");
    const receipts: { deviceId: string; seq: number }[] = [];
    onLaptop.on("read", (r) => receipts.push(r));
    onPhone.markRead();
    expect(onPhone.unread).toBe(0);
    await waitFor(() => onLaptop.unread === 0, "the laptop to learn of the read");
    expect(receipts).toContainEqual({ userId, deviceId: phone.deviceId, seq: 2 });
    phone.close();
    laptop.close();
  });

  it("lists the person's conversations with their unread counts", async () => {
    const userId = uniqueUser();
    const c = client(userId);
    const h = await c.conversation({ ref: "/pricing" });
    await botSend(server().url, h.id, "a question for you");
    await waitFor(async () => (await c.conversations()).some((t) => t.id === h.id && t.unread === 1), "one unread in the list");
    await waitFor(() => h.unread === 1, "one unread on the handle");
    h.markRead();
    await waitFor(async () => (await c.conversations()).some((t) => t.id === h.id && t.unread === 0 && t.readSeq === 1), "read in the list");
    const [thread] = await c.conversations();
    expect(thread).toMatchObject({ id: h.id, status: "open", lastSeq: 1, readSeq: 1, unread: 0 });
    expect(thread?.lastEvent).toMatchObject({ seq: 1, type: "message.created" });
    c.close();
  });
});
