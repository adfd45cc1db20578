// Worker entry: the HTTP app and the Durable Object classes it addresses.
import { app } from "./app";

export { Conversation } from "./conversation/conversation";
export { Customer } from "./customer/customer";
export { RateLimiter } from "./ratelimit/rate-limiter";
export { Agent } from "./agent/agent";
export { InboxFeed } from "./inbox-feed/feed";

export default app satisfies ExportedHandler<import("./env").Env>;
