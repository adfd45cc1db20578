// The durable outbox: what is added survives a new instance on the same
// storage (a reload), leaves only when removed, and instances sharing a
// storage do not erase each other's entries.
import { describe, expect, it } from "vitest";
import { newClientId, Outbox } from "../../src/client/outbox.ts";
import { MemoryStorage, type KeyValueStorage } from "../../src/client/storage.ts";

const KEY = "carryover:demo:outbox:cnv_x";
const entry = (clientId: string) => ({ clientId, content: { type: "text" as const, text: clientId }, createdAt: "2026-11-22T00:00:00.000Z" });

/** An asynchronous storage like React Native's AsyncStorage. */
class AsyncStorage implements KeyValueStorage {
  readonly data = new Map<string, string>();
  async get(key: string) {
    await new Promise((r) => setTimeout(r, 1));
    return this.data.get(key) ?? null;
  }
  async set(key: string, value: string) {
    await new Promise((r) => setTimeout(r, 1));
    this.data.set(key, value);
  }
  async remove(key: string) {
    await new Promise((r) => setTimeout(r, 1));
    this.data.delete(key);
  }
}

describe("outbox persistence", () => {
  it("keeps entries across a reload until they are removed", async () => {
    const storage = new MemoryStorage();
    const a = new Outbox(storage, KEY);
    await a.load();
    await a.add(entry("1"));
    await a.add(entry("2"));
    const b = new Outbox(storage, KEY);
    expect((await b.load()).map((e) => e.clientId)).toEqual(["1", "2"]);
    await b.remove("1");
    expect((await new Outbox(storage, KEY).load()).map((e) => e.clientId)).toEqual(["2"]);
    await b.remove("2");
    expect(storage.get(KEY)).toBeNull();
  });

  it("stores the documented layout: a JSON array of {clientId, content, createdAt}", async () => {
    const storage = new MemoryStorage();
    const o = new Outbox(storage, KEY);
    await o.add(entry("1"));
    expect(JSON.parse(storage.get(KEY) ?? "null")).toEqual([entry("1")]);
  });

  it("serialises writes on an asynchronous storage, so none is lost", async () => {
    const storage = new AsyncStorage();
    const o = new Outbox(storage, KEY);
    await Promise.all([o.add(entry("1")), o.add(entry("2")), o.add(entry("3")), o.remove("2")]);
    expect((await new Outbox(storage, KEY).load()).map((e) => e.clientId)).toEqual(["1", "3"]);
  });

  it("does not erase what another instance on the same storage added", async () => {
    const storage = new AsyncStorage();
    const tab1 = new Outbox(storage, KEY);
    const tab2 = new Outbox(storage, KEY);
    await tab1.load();
    await tab2.load();
    await tab1.add(entry("from-tab-1"));
    await tab2.add(entry("from-tab-2"));
    await tab1.remove("from-tab-1");
    expect((await new Outbox(storage, KEY).load()).map((e) => e.clientId)).toEqual(["from-tab-2"]);
  });

  it("records and clears a failure on an entry", async () => {
    const storage = new MemoryStorage();
    const o = new Outbox(storage, KEY);
    await o.add(entry("1"));
    await o.setFailed("1", "invalid_request");
    expect((await new Outbox(storage, KEY).load())[0]?.failed).toBe("invalid_request");
    await o.setFailed("1", null);
    expect((await new Outbox(storage, KEY).load())[0]).toEqual(entry("1"));
  });

  it("skips malformed stored data instead of failing", async () => {
    const storage = new MemoryStorage();
    storage.set(KEY, JSON.stringify([{ clientId: 5 }, entry("ok"), "junk"]));
    expect((await new Outbox(storage, KEY).load()).map((e) => e.clientId)).toEqual(["ok"]);
    storage.set(KEY, "{not json");
    expect(await new Outbox(storage, KEY).load()).toEqual([]);
  });
});

describe("clientId", () => {
  it("is a v4 UUID, also where crypto.randomUUID is missing", () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newClientId()).toMatch(v4);
    const real = globalThis.crypto;
    const original = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    Object.defineProperty(globalThis, "crypto", {
      value: { getRandomValues: (a: Uint8Array<ArrayBuffer>) => real.getRandomValues(a) },
      configurable: true,
    });
    expect(globalThis.crypto.randomUUID).toBeUndefined();
    try {
      const ids = new Set(Array.from({ length: 100 }, () => newClientId()));
      expect(ids.size).toBe(100);
      for (const id of ids) expect(id).toMatch(v4);
    } finally {
      if (original) Object.defineProperty(globalThis, "crypto", original);
    }
  });
});
