// A fresh tenant per test, made through the admin API as an operator would:
// its own id, HS256 identity secret, a bot key and an admin-role key, and
// token minting as the business's backend (customers) and SSO (agents) do it.
import { SignJWT } from "jose";
import { createTestMessenger, type TestMessenger } from "./messenger";
import { createWebhookReceiver, type WebhookReceiver } from "./webhook-receiver";

/** Extra JWT claims: `name`, `email`, `avatar`, agent `role`/`teams`, or overrides of `exp`, `iat`, `aud`, `iss`. */
export type TokenClaims = Record<string, unknown>;

export interface TenantOptions {
  /** Tenant id (2..63 of [a-z0-9-]); default a random `t-…`. */
  id?: string;
  /** Display name; default "Test tenant <id>". */
  name?: string;
  /** Origins allowed by CORS (scheme://host[:port]); default none. */
  allowedOrigins?: string[];
}

/** What a business's test needs of its tenant. */
export interface TestTenant {
  /** The tenant id; also the identity issuer (`iss`). */
  id: string;
  /** The HS256 identity secret the tenant's tokens are signed with. */
  identitySecret: string;
  /** A bot-role API key (`ck_…`) for the Send API. */
  apiKey: string;
  /** An admin-role API key (`ck_…`) for tenant administration (webhook endpoints, …). */
  adminKey: string;
  /**
   * A customer identity token, as the business backend mints it: HS256,
   * `iss` = tenant id, `aud` "carryover", `sub`, valid 10 minutes; `claims`
   * are added (and may override any of those).
   */
  mintIdentityToken(sub: string, claims?: TokenClaims): Promise<string>;
  /**
   * An agent identity token (API.md "Agents and agent sessions"): like an
   * identity token but `aud` "carryover:agent", with `name` (default `sub`)
   * and `role` (default "agent"); `claims` are added and may override.
   */
  mintAgentToken(sub: string, claims?: TokenClaims): Promise<string>;
  /**
   * Starts a recording webhook receiver and registers it with this tenant
   * (`POST /v1/webhook-endpoints` with the admin key, API.md "Webhooks") for
   * `events`; the receiver verifies every delivery with the returned secret.
   * Closed when Carryover is disposed.
   * @throws Error with the server's answer when the endpoint is refused (e.g. 400 for an unknown event type).
   */
  receiveWebhooks(events: string[], options?: ReceiveOptions): Promise<WebhookReceiver & { endpointId: string }>;
  /** The tenant's Messenger channel against the kit's Messenger simulator: `connect()`, `send()`, `sent()`, `waitForSent()`. */
  messenger: TestMessenger;
}

/** Options of `receiveWebhooks`. */
export interface ReceiveOptions {
  /** Register as a bot endpoint: deliveries of threads an agent owns carry `standby: true` (API.md "Webhooks"). */
  bot?: boolean;
  /** The endpoint's description; default "carryover/testing receiver". */
  description?: string;
}

/** Where the tenant lives and how to reach the admin API. */
export interface TenantHost {
  url: string;
  adminToken: string;
  /** Receivers made by receiveWebhooks, closed with the instance. */
  receivers: Set<WebhookReceiver>;
}

const TOKEN_SECONDS = 600;

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function call<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

function signer(issuer: string, secret: string) {
  const key = new TextEncoder().encode(secret);
  return (audience: string, sub: string, defaults: TokenClaims, claims: TokenClaims = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: issuer, aud: audience, sub, iat: now, exp: now + TOKEN_SECONDS, ...defaults, ...claims };
    return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
  };
}

/**
 * Creates a tenant through the admin API (`POST /v1/admin/tenants`, then a
 * bot key with `POST /v1/admin/tenants/:id/api-keys`).
 * @throws Error with the server's answer when either call fails (e.g. 409 for a taken id).
 */
export async function createTestTenant(host: TenantHost, options: TenantOptions = {}): Promise<TestTenant> {
  const id = options.id ?? `t-${randomHex(8)}`;
  const identitySecret = `test-identity-${randomHex(24)}`;
  const created = await call<{ apiKey: string }>(`${host.url}/v1/admin/tenants`, host.adminToken, {
    id,
    name: options.name ?? `Test tenant ${id}`,
    allowedOrigins: options.allowedOrigins ?? [],
    identity: { issuer: id, hs256Secrets: [identitySecret] },
  });
  const bot = await call<{ apiKey: string }>(`${host.url}/v1/admin/tenants/${id}/api-keys`, host.adminToken, { role: "bot", name: "test bot" });
  const sign = signer(id, identitySecret);
  const adminKey = created.apiKey;

  return {
    id,
    identitySecret,
    apiKey: bot.apiKey,
    adminKey,
    mintIdentityToken: (sub, claims) => sign("carryover", sub, {}, claims),
    mintAgentToken: (sub, claims) => sign("carryover:agent", sub, { name: sub, role: "agent" }, claims),
    async receiveWebhooks(events, { bot, description = "carryover/testing receiver" } = {}) {
      const receiver = await createWebhookReceiver();
      host.receivers.add(receiver);
      try {
        const answer = await call<{ endpoint: { id: string }; secret: string }>(`${host.url}/v1/webhook-endpoints`, adminKey, {
          url: receiver.url,
          events,
          description,
          ...(bot === undefined ? {} : { bot }),
        });
        receiver.setSecret(answer.secret);
        return Object.assign(receiver, { endpointId: answer.endpoint.id });
      } catch (err) {
        host.receivers.delete(receiver);
        await receiver.close();
        throw err;
      }
    },
    messenger: createTestMessenger({ url: host.url, tenant: id, adminKey }),
  };
}
