// Where the widget keeps the visitor's session and outbox: the page's
// localStorage, or memory when the browser will not keep anything.
import { BrowserStorage, FallbackStorage, MemoryStorage, type KeyValueStorage } from "../client/index";

/**
 * The browser's storage (keys prefixed with `prefix`), or memory when it is
 * blocked (privacy mode, a sandboxed frame) or starts failing (quota full):
 * `notKept` is called once, and the chat goes on in memory.
 */
export function storageFor(prefix: string, notKept: () => void): KeyValueStorage {
  try {
    const probe = "carryover:probe";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return new FallbackStorage(new BrowserStorage(window.localStorage, prefix), notKept);
  } catch {
    notKept();
    return new MemoryStorage();
  }
}

