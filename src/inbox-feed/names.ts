// Which InboxFeed object plays which part for a tenant: SHARDS shard objects
// take the directory rows of the conversations that hash to them, and one hub
// holds the tenant's inbox sockets. See docs/AGENTS.md "Inbox live feed" for the
// limits this gives and how it scales.
import { objectName } from "../directory/stubs";

/** Shards per tenant: each takes at most one row per DIRECTORY_INTERVAL_MS (1 s) from each of its conversations. */
export const INBOX_SHARDS = 8;
/** How long a shard gathers rows before one batch to the hub. */
export const INBOX_FLUSH_MS = 250;

/** The shard object name of a conversation: `<tenant>:shard:<0..INBOX_SHARDS-1>` by an FNV-1a hash of its id. */
export function shardName(tenant: string, conversationId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) {
    hash ^= conversationId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return shardNameAt(tenant, hash % INBOX_SHARDS);
}

/** The name of shard `k` (0..INBOX_SHARDS-1) of a tenant. */
export function shardNameAt(tenant: string, k: number): string {
  return objectName(tenant, `shard:${k}`);
}

/** The hub object name of a tenant, where its inbox sockets live. */
export function hubName(tenant: string): string {
  return objectName(tenant, "hub");
}
