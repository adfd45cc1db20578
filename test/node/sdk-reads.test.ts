// Read cursors and unread counts through the SDK, across a person's devices.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { startServer, type LocalServer } from "../support/server.ts";
import { botSend, sdkClient, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

const client = (userId: string, storage = new MemoryStorage(), extra: ClientExtra = {}) => sdkClient(server.url, userId, storage, extra);

describe("SDK reads", () => {
  it("shares read cursors across the person's devices and keeps unread counts", async () => {
    const userId = uniqueUser();
    const phone = client(userId);
    const laptop = client(userId);
    const onPhone = await phone.conversation();
    const onLaptop = await laptop.conversation();
    expect(onLaptop.id).toBe(onPhone.id);
    await waitFor(() => onPhone.connection === "live" && onLaptop.connection === "live", "both live");
    await botSend(server.url, onPhone.id, "one");
    await botSend(server.url, onPhone.id, "two");
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
});
