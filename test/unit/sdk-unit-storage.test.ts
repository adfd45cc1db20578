// Storage adapters: Web Storage with a prefix, and what happens when the
// browser's storage is blocked or full.
import { describe, expect, it } from "vitest";
import { BrowserStorage, MemoryStorage } from "../../src/client/storage.ts";

/** A Web Storage in memory, optionally full or blocked. */
class FakeStorage implements Storage {
  readonly data = new Map<string, string>();
  constructor(private readonly mode: "ok" | "full" | "blocked" = "ok") {}
  get length() {
    return this.data.size;
  }
  clear() {
    this.data.clear();
  }
  key(i: number) {
    return [...this.data.keys()][i] ?? null;
  }
  getItem(key: string) {
    if (this.mode === "blocked") throw new DOMException("denied", "SecurityError");
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.mode !== "ok") throw new DOMException("full", "QuotaExceededError");
    this.data.set(key, value);
  }
  removeItem(key: string) {
    if (this.mode === "blocked") throw new DOMException("denied", "SecurityError");
    this.data.delete(key);
  }
}

describe("storage adapters", () => {
  it("BrowserStorage reads and writes through Web Storage under its prefix", () => {
    const web = new FakeStorage();
    const s = new BrowserStorage(web, "site1:");
    s.set("carryover:demo:session", "{}");
    expect(web.data.get("site1:carryover:demo:session")).toBe("{}");
    expect(s.get("carryover:demo:session")).toBe("{}");
    s.remove("carryover:demo:session");
    expect(s.get("carryover:demo:session")).toBeNull();
  });

  it("reads nothing from a blocked storage, and reports a full one on write", () => {
    const blocked = new BrowserStorage(new FakeStorage("blocked"));
    expect(blocked.get("k")).toBeNull();
    expect(() => blocked.remove("k")).not.toThrow();
    const full = new BrowserStorage(new FakeStorage("full"));
    expect(() => full.set("k", "v")).toThrow(/full/);
  });

  it("needs a Storage where there is no localStorage", () => {
    expect(() => new BrowserStorage()).toThrow(TypeError);
  });

  it("MemoryStorage keeps values per key", () => {
    const m = new MemoryStorage();
    m.set("a", "1");
    m.set("b", "2");
    m.remove("a");
    expect([m.get("a"), m.get("b")]).toEqual([null, "2"]);
  });
});
