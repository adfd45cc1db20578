// Pluggable persistence for credentials and the outbox: in memory, the
// browser's Web Storage, or any adapter (React Native's AsyncStorage).

export interface KeyValueStorage {
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
  remove(key: string): Promise<void> | void;
}

export class MemoryStorage implements KeyValueStorage {
  private readonly data = new Map<string, string>();

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  set(key: string, value: string): void {
    this.data.set(key, value);
  }

  remove(key: string): void {
    this.data.delete(key);
  }
}

/** Web Storage (`localStorage` by default); a full or blocked storage is not fatal. */
export class BrowserStorage implements KeyValueStorage {
  private readonly storage: Storage;

  constructor(
    storage?: Storage,
    private readonly prefix = "",
  ) {
    const chosen = storage ?? (globalThis as { localStorage?: Storage }).localStorage;
    if (!chosen) throw new TypeError("BrowserStorage needs a Storage (no localStorage in this environment)");
    this.storage = chosen;
  }

  get(key: string): string | null {
    try {
      return this.storage.getItem(this.prefix + key);
    } catch {
      return null;
    }
  }

  set(key: string, value: string): void {
    // Quota errors propagate: the outbox must know a message was not persisted.
    this.storage.setItem(this.prefix + key, value);
  }

  remove(key: string): void {
    try {
      this.storage.removeItem(this.prefix + key);
    } catch {
      // nothing to remove when storage is blocked
    }
  }
}

/**
 * A storage that may fail (quota full, storage blocked, an adapter that
 * throws) made safe to depend on: a write that throws is kept in memory
 * instead, reads see it, and `onFailure` is told once, so an app can say that
 * what is kept now will not survive a restart. Credentials and the outbox
 * then live in memory: nothing is stuck, and a message is still sent once
 * (its clientId is kept with it).
 */
export class FallbackStorage implements KeyValueStorage {
  /** Keys whose latest write (or removal, as null) only memory holds. */
  private readonly memory = new Map<string, string | null>();
  private told = false;

  constructor(
    private readonly inner: KeyValueStorage,
    private readonly onFailure: (err: unknown) => void = () => undefined,
  ) {}

  async get(key: string): Promise<string | null> {
    if (this.memory.has(key)) return this.memory.get(key) ?? null;
    try {
      return await this.inner.get(key);
    } catch (err) {
      this.failed(err);
      return null;
    }
  }

  async set(key: string, value: string): Promise<void> {
    try {
      await this.inner.set(key, value);
      this.memory.delete(key);
    } catch (err) {
      this.memory.set(key, value);
      this.failed(err);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.inner.remove(key);
      this.memory.delete(key);
    } catch (err) {
      this.memory.set(key, null);
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    if (this.told) return;
    this.told = true;
    this.onFailure(err);
  }
}

/** Reads a JSON value; anything unparsable counts as absent. */
export async function readJson(storage: KeyValueStorage, key: string): Promise<unknown> {
  const raw = await storage.get(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

export function storageKeys(tenant: string) {
  return {
    session: `carryover:${tenant}:session`,
    outbox: (conversationId: string) => `carryover:${tenant}:outbox:${conversationId}`,
    /** JSON array of the conversation ids that have an outbox. */
    outboxIndex: `carryover:${tenant}:outboxes`,
  };
}
