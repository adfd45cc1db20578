// Worker entry: the HTTP app and the Durable Object classes it addresses.
import { app } from "./app";
import { handleBroadcastBatch } from "./broadcast/fan-out";
import type { Env } from "./env";

export { Conversation } from "./conversation/conversation";
export { Customer } from "./customer/customer";
export { RateLimiter } from "./ratelimit/rate-limiter";
export { TenantOutbox } from "./webhooks/tenant-outbox";
export { Agent } from "./agent/agent";
export { InboxFeed } from "./inbox-feed/feed";
export { ChannelInbox } from "./channels/inbox";
export { MessengerSimulator } from "./channels/simulator";

export default {
  fetch: app.fetch,
  /** Broadcast fan-out and its dead-letter queue (wrangler.toml [[queues.consumers]]). */
  queue: (batch: MessageBatch<unknown>, env: Env) => handleBroadcastBatch(batch, env),
} satisfies ExportedHandler<Env>;
