// carryover/testing — Carryover inside a business's own tests: boots the Worker
// with Miniflare (Durable Objects, D1, R2, Queues, assets), makes an isolated
// tenant per test, records signed webhook deliveries and plays Messenger
// against the dev-only simulator. Node >= 22; needs the
// `miniflare` package (a peer dependency) installed beside it.
export { startCarryover, type Carryover, type StartOptions } from "./carryover";
export type { ReceiveOptions, TenantOptions, TestTenant, TokenClaims } from "./tenant";
export {
  SIMULATOR_PAGE_ACCESS_TOKEN,
  type MessengerContact,
  type MessengerInput,
  type SentMessage,
  type SentWaitOptions,
  type TestMessenger,
} from "./messenger";
export {
  createWebhookReceiver,
  type ReceiverOptions,
  type RejectedDelivery,
  type WaitOptions,
  type WebhookBody,
  type WebhookDelivery,
  type WebhookReceiver,
} from "./webhook-receiver";
