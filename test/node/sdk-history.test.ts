// History paging through the SDK: a new device loads the newest page, then older ones.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { botSend, sdkClient, texts, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

const server = useLocalServer();

const client = (userId: string, storage = new MemoryStorage(), extra: ClientExtra = {}) => sdkClient(server().url, userId, storage, extra);

describe("SDK history", () => {
  it("shows what a reload of another device finds: the same log, by history paging", async () => {
    const userId = uniqueUser();
    const first = client(userId);
    const h = await first.conversation();
    for (let i = 0; i < 7; i++) await botSend(server().url, h.id, `page ${i}`);
    await waitFor(() => h.lastSeq === 7, "seven events");
    first.close();
    const second = client(userId, new MemoryStorage(), { pageSize: 3 });
    const again = await second.conversation({ id: h.id });
    expect(texts(again.items)).toEqual(["page 4", "page 5", "page 6"]);
    expect(again.hasOlder).toBe(true);
    expect(await again.loadOlder(3)).toBe(true);
    expect(await again.loadOlder(3)).toBe(true);
    expect(again.hasOlder).toBe(false);
    expect(texts(again.items)).toEqual(["page 0", "page 1", "page 2", "page 3", "page 4", "page 5", "page 6"]);
    expect(await again.loadOlder()).toBe(false);
    second.close();
  });
});
