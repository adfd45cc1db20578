// Bindings and vars of the Worker, and the settings derived from them once.
import type { Agent } from "./agent/agent";
import type { Conversation } from "./conversation/conversation";
import type { Customer } from "./customer/customer";
import type { InboxFeed } from "./inbox-feed/feed";
import type { RateLimiter } from "./ratelimit/rate-limiter";
import type { BroadcastMessage } from "./broadcast/fan-out";
import type { TenantOutbox } from "./webhooks/tenant-outbox";
import type { BroadcastWatch } from "./broadcast/watch";
import type { ChannelInbox } from "./channels/inbox";
import type { MessengerSimulator } from "./channels/simulator";

export interface Env {
  CONVERSATION: DurableObjectNamespace<Conversation>;
  CUSTOMER: DurableObjectNamespace<Customer>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** Per-tenant outbox for webhooks outside any conversation (src/webhooks/tenant-outbox.ts). */
  TENANT_OUTBOX: DurableObjectNamespace<TenantOutbox>;
  /** One per broadcast: drives it again when it stalled (src/broadcast/watch.ts). */
  BROADCAST_WATCH: DurableObjectNamespace<BroadcastWatch>;
  AGENT: DurableObjectNamespace<Agent>;
  INBOX: DurableObjectNamespace<InboxFeed>;
  /** Messenger channels: one per channel identity (`<tenant>:msgr_<psid>`), webhook items in, processed by alarm. */
  CHANNEL_INBOX: DurableObjectNamespace<ChannelInbox>;
  /** Local development only: the Messenger send-API simulator's record (/demo/messenger). */
  MESSENGER_SIMULATOR: DurableObjectNamespace<MessengerSimulator>;
  DB: D1Database;
  /** Attachment bytes (src/attachments/). */
  ATTACHMENTS: R2Bucket;
  /** Broadcast fan-out (src/broadcast/fan-out.ts); consumer and dead-letter queue in wrangler.toml. */
  BROADCASTS: Queue<BroadcastMessage>;
  /** TEST-ONLY: "true" lets tests inject a broadcast consumer crash (src/broadcast/faults.ts). Never set in a deploy. */
  BROADCAST_TEST_FAULTS?: string;
  ASSETS?: Fetcher;
  /** "true" only for local development: seeds the demo tenant and keys. */
  DEV_SEED?: string;
  /** Bearer token for /v1/admin; a secret in production. */
  ADMIN_TOKEN?: string;
  /** HMAC key for Carryover-signed session and handoff tokens; a secret. */
  SESSION_SECRET?: string;
  /** Base URL used in handoff links; defaults to the request's origin. */
  PUBLIC_URL?: string;
  /** Rate limits as "<limit>/<seconds>" or "off"; see src/ratelimit/limits.ts for defaults. */
  RATE_LIMIT_SESSIONS_PER_IP?: string;
  RATE_LIMIT_SESSIONS_PER_DEVICE?: string;
  RATE_LIMIT_SENDS_PER_DEVICE?: string;
  RATE_LIMIT_SENDS_PER_IP?: string;
  RATE_LIMIT_UPLOADS_PER_DEVICE?: string;
  /** Key material (≥ 32 characters) for webhook secrets at rest; defaults to one derived from SESSION_SECRET. */
  WEBHOOK_SECRETS_KEY?: string;
  /** AES-GCM key material (≥ 32 characters) for channel secrets at rest; a secret. */
  CHANNEL_SECRETS_KEY?: string;
  /** Meta's Graph API base URL for the channels' send APIs; default in src/channels/send.ts. */
  GRAPH_API_BASE?: string;
}

export interface Settings {
  devSeed: boolean;
  adminToken: string | null;
  sessionKey: Uint8Array;
}

// Only used when DEV_SEED=true and no SESSION_SECRET is set, so `npm run dev`
// works on a fresh clone. A deploy without SESSION_SECRET refuses to start.
const DEV_SESSION_SECRET = "dev-session-secret-change-me-0123456789abcdef";
export const DEV_ADMIN_TOKEN = "dev-admin-token-change-me";

let cached: { env: Env; settings: Settings } | undefined;

export function settingsOf(env: Env): Settings {
  if (cached?.env === env) return cached.settings;
  const devSeed = env.DEV_SEED === "true";
  const secret = env.SESSION_SECRET ?? (devSeed ? DEV_SESSION_SECRET : undefined);
  if (!secret || secret.length < 32) {
    throw new Error("SESSION_SECRET must be set to at least 32 characters (wrangler secret put SESSION_SECRET)");
  }
  const settings: Settings = {
    devSeed,
    adminToken: env.ADMIN_TOKEN ?? (devSeed ? DEV_ADMIN_TOKEN : null),
    sessionKey: new TextEncoder().encode(secret),
  };
  cached = { env, settings };
  return settings;
}
