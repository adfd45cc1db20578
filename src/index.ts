// Worker entry: the HTTP app and the Durable Object classes it addresses.
import { app } from "./app";

export { Conversation } from "./conversation/conversation";
export { Customer } from "./customer/customer";
export { RateLimiter } from "./ratelimit/rate-limiter";
export { ChannelInbox } from "./channels/inbox";
export { ChannelOutbox } from "./channels/outbox";
export { MessengerSimulator } from "./channels/simulator";

export default app satisfies ExportedHandler<import("./env").Env>;
