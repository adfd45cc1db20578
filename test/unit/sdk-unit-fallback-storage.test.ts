// FallbackStorage: a storage whose writes throw (quota full, blocked) keeps
// them in memory, reads see them, and the failure is reported once.
import { describe, expect, it } from "vitest";
import { FallbackStorage, MemoryStorage, type KeyValueStorage } from "../../src/client/index.ts";

class FlakyStorage implements KeyValueStorage {
  readonly inner = new MemoryStorage();
  failing = false;
  get(key: string): string | null {
    return this.inner.get(key);
  }
  set(key: string, value: string): void {
    if (this.failing) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    this.inner.set(key, value);
  }
  remove(key: string): void {
    if (this.failing) throw new DOMException("blocked", "SecurityError");
    this.inner.remove(key);
  }
}

describe("FallbackStorage", () => {
  it("keeps failed writes in memory, reads them back, and reports once", async () => {
    const flaky = new FlakyStorage();
    const failures: unknown[] = [];
    const storage = new FallbackStorage(flaky, (err) => failures.push(err));
    await storage.set("a", "1");
    expect(flaky.inner.get("a")).toBe("1");
    flaky.failing = true;
    await storage.set("a", "2");
    await storage.set("b", "3");
    expect(await storage.get("a")).toBe("2");
    expect(await storage.get("b")).toBe("3");
    await storage.remove("a");
    expect(await storage.get("a")).toBeNull();
    expect(failures).toHaveLength(1);
    // The storage works again: writes go through and memory stops shadowing them.
    flaky.failing = false;
    await storage.set("b", "4");
    expect(flaky.inner.get("b")).toBe("4");
    expect(await storage.get("b")).toBe("4");
  });
});
