// The durable outbox of one conversation: messages written on this device
// that the server has not acknowledged yet, kept in storage across reloads
// and offline periods. Every change is a read-modify-write of the stored list,
// so instances sharing a storage (tabs, a reload) do not erase each other's entries.
import type { Content } from "../protocol/content";
import { isRecord } from "./http";
import { readJson, type KeyValueStorage } from "./storage";

export interface OutboxEntry {
  clientId: string;
  content: Content;
  createdAt: string;
  /** Why the server refused it for good (a 4xx); kept until retried. */
  failed?: string;
  /** A file still to be uploaded before the message can go (its content has no attachmentId yet). */
  upload?: { name: string; type: string; size: number };
}

/**
 * A new clientId: `crypto.randomUUID()`, or a v4 UUID from `getRandomValues`
 * where randomUUID is missing (older React Native with a getRandomValues polyfill).
 */
export function newClientId(): string {
  const c = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  if (!c?.getRandomValues) throw new TypeError("no crypto.getRandomValues: install a polyfill (e.g. react-native-get-random-values)");
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseEntries(value: unknown): OutboxEntry[] {
  if (!Array.isArray(value)) return [];
  const out: OutboxEntry[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.clientId !== "string" || typeof item.createdAt !== "string") continue;
    if (!isRecord(item.content) || typeof item.content.type !== "string") continue;
    const entry: OutboxEntry = { clientId: item.clientId, content: item.content as Content, createdAt: item.createdAt };
    if (typeof item.failed === "string") entry.failed = item.failed;
    const upload = item.upload;
    if (isRecord(upload) && typeof upload.name === "string" && typeof upload.type === "string" && typeof upload.size === "number") {
      entry.upload = { name: upload.name, type: upload.type, size: upload.size };
    }
    out.push(entry);
  }
  return out;
}

export class Outbox {
  private list: OutboxEntry[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
    /** Where the ids of conversations with stored messages are listed, so a client can deliver them without opening each. */
    private readonly index?: { key: string; id: string },
  ) {}

  /** Reads the stored entries (oldest first). */
  async load(): Promise<readonly OutboxEntry[]> {
    await this.update((stored) => stored);
    return this.list;
  }

  get entries(): readonly OutboxEntry[] {
    return this.list;
  }

  has(clientId: string): boolean {
    return this.list.some((e) => e.clientId === clientId);
  }

  add(entry: OutboxEntry): Promise<void> {
    this.list = [...this.list.filter((e) => e.clientId !== entry.clientId), entry];
    return this.update((stored) => [...stored.filter((e) => e.clientId !== entry.clientId), entry]);
  }

  /** Replaces a stored entry in place (keeping its position in the order of delivery); adds it when missing. */
  replace(entry: OutboxEntry): Promise<void> {
    const apply = (list: OutboxEntry[]) =>
      list.some((e) => e.clientId === entry.clientId) ? list.map((e) => (e.clientId === entry.clientId ? entry : e)) : [...list, entry];
    this.list = apply(this.list);
    return this.update(apply);
  }

  remove(clientId: string): Promise<void> {
    this.list = this.list.filter((e) => e.clientId !== clientId);
    return this.update((stored) => stored.filter((e) => e.clientId !== clientId));
  }

  setFailed(clientId: string, failed: string | null): Promise<void> {
    const apply = (list: OutboxEntry[]) =>
      list.map((e) => {
        if (e.clientId !== clientId) return e;
        const { failed: _old, ...rest } = e;
        return failed === null ? rest : { ...rest, failed };
      });
    this.list = apply(this.list);
    return this.update(apply);
  }

  /** Serialised read-modify-write; the in-memory list follows what was stored. */
  private update(change: (stored: OutboxEntry[]) => OutboxEntry[]): Promise<void> {
    const run = async () => {
      const stored = parseEntries(await readJson(this.storage, this.key));
      const next = change(stored);
      if (next !== stored) {
        if (next.length === 0) await this.storage.remove(this.key);
        else await this.storage.set(this.key, JSON.stringify(next));
        if (this.index) await updateIndex(this.storage, this.index.key, this.index.id, next.length > 0);
      }
      this.list = next;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }
}

/** The conversation ids listed in the outbox index. */
export async function readIndex(storage: KeyValueStorage, key: string): Promise<string[]> {
  const value = await readJson(storage, key);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

async function updateIndex(storage: KeyValueStorage, key: string, id: string, listed: boolean): Promise<void> {
  const ids = await readIndex(storage, key);
  if (ids.includes(id) === listed) return;
  const next = listed ? [...ids, id] : ids.filter((x) => x !== id);
  if (next.length === 0) await storage.remove(key);
  else await storage.set(key, JSON.stringify(next));
}
