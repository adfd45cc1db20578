// carryover/client — the client SDK for apps and websites (browsers, React
// Native, Node >= 20 — Node 20 passes a WebSocket for live updates, docs/SDK.md):
// sessions, conversations, live updates and a durable outbox.
export { createClient, type CarryoverClient, type ClientOptions, type ConversationOptions } from "./client";
export type { ConversationHandle, LiveSource } from "./conversation-handle";
export { CarryoverError } from "./errors";
export type { CarryoverUser } from "./session";
export { BrowserStorage, FallbackStorage, MemoryStorage, type KeyValueStorage } from "./storage";
export type { MessageState, PendingMessage, TimelineItem } from "./timeline";
export type { TopicSubscription } from "./subscriptions";
export { backoffDelay, type BackoffOptions } from "./backoff";
export type { LiveState } from "./live";
export type { FileInput, UploadProgress, XMLHttpRequestConstructor, XMLHttpRequestLike } from "./upload";
export type { Attachment } from "../protocol/attachment";
export type { Content } from "../protocol/content";
export type { Event, Sender } from "../protocol/event";
export type { ThreadSummary } from "../protocol/thread";
