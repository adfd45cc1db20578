// Worker entry: the HTTP app and the Durable Object classes it addresses.
// (Local development runs src/dev/worker.ts: this plus the demo and simulator routes.)
import { DurableObject } from "cloudflare:workers";
import { served } from "./app";
import { handleBroadcastBatch } from "./broadcast/fan-out";
import type { Env } from "./env";

export { Conversation } from "./conversation/conversation";
export { Customer } from "./customer/customer";
export { RateLimiter } from "./ratelimit/rate-limiter";
export { TenantOutbox } from "./webhooks/tenant-outbox";
export { Agent } from "./agent/agent";
export { InboxFeed } from "./inbox-feed/feed";
export { ChannelInbox } from "./channels/inbox";
export { BroadcastWatch } from "./broadcast/watch";

/**
 * The dev-only Messenger simulator's object (wrangler.toml MESSENGER_SIMULATOR,
 * migration v8) must exist in every deployment of the script, but a deployed
 * Worker never addresses it: its routes are mounted only by the dev entry
 * (src/dev/worker.ts), which exports the real class (src/channels/simulator.ts).
 */
export class MessengerSimulator extends DurableObject<Env> {}

export default {
  fetch: served.fetch,
  /** Broadcast fan-out and its dead-letter queue (wrangler.toml [[queues.consumers]]). */
  queue: (batch: MessageBatch<unknown>, env: Env) => handleBroadcastBatch(batch, env),
} satisfies ExportedHandler<Env>;
