// carryover/testing — Carryover inside a business's own tests: boots the Worker
// with Miniflare (Durable Objects, D1, R2, Queues, assets), makes an isolated
// tenant per test, and records signed webhook deliveries. Node >= 22; needs the
// `miniflare` package (a peer dependency) installed beside it.
export { startCarryover, type Carryover, type StartOptions } from "./carryover";
export type { TenantOptions, TestTenant, TokenClaims } from "./tenant";
export {
  createWebhookReceiver,
  type ReceiverOptions,
  type RejectedDelivery,
  type WaitOptions,
  type WebhookBody,
  type WebhookDelivery,
  type WebhookReceiver,
} from "./webhook-receiver";
