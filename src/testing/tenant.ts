// A fresh tenant per test, made through the admin API as an operator would:
// its own id, HS256 identity secret, a bot key and an admin-role key, and
// token minting as the business's backend (customers) and SSO (agents) do it.
// With a `persistTo` folder, a tenant made on an earlier start is found again.
import { SignJWT } from "jose";
import type { SavedTenant, TenantBook } from "./kit-state";
import { createTestMessenger, type TestMessenger } from "./messenger";
import { createWebhookReceiver, type WebhookReceiver } from "./webhook-receiver";

/** Extra JWT claims: `name`, `email`, `avatar`, agent `role`/`teams`, or overrides of `exp`, `iat`, `aud`, `iss`. */
export type TokenClaims = Record<string, unknown>;

export interface TenantOptions {
  /**
   * Tenant id (2..63 of [a-z0-9-]); default a random `t-…` (for `cv.tenant`
   * in a `persistTo` folder: the id it had on the last start there). An id
   * the kit made earlier in the same `persistTo` folder gives that tenant
   * back, with its credentials.
   */
  id?: string;
  /** Display name; default "Test tenant <id>". Set on a tenant found again too. */
  name?: string;
  /** Origins allowed by CORS (scheme://host[:port]); default none. Set on a tenant found again too. */
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
  /** Credentials of tenants made on earlier starts (a `persistTo` folder); none: every tenant is new. */
  book?: TenantBook;
}

const TOKEN_SECONDS = 600;

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The admin or tenant API refused a call the kit made; `status` is the HTTP status. */
class ApiCallError extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

async function call<T>(url: string, token: string, body: unknown, method = "POST"): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiCallError(`${method} ${new URL(url).pathname} answered ${res.status}: ${text}`, res.status);
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
 * The tenant `options.id` names, when the host's book has its credentials and
 * the admin API still knows it (`GET /v1/admin/tenants/:id`); `name` and
 * `allowedOrigins`, when given, are set on it (`PATCH`). Null when it has to
 * be made: no book, not in the book, or the book outlived the data (404).
 */
async function foundAgain(host: TenantHost, id: string, options: TenantOptions): Promise<SavedTenant | null> {
  const saved = host.book?.find(id);
  if (!saved) return null;
  const url = `${host.url}/v1/admin/tenants/${encodeURIComponent(id)}`;
  try {
    await call(url, host.adminToken, undefined, "GET");
  } catch (err) {
    if (err instanceof ApiCallError && err.status === 404) return null;
    throw err;
  }
  const patch = { ...(options.name === undefined ? {} : { name: options.name }), ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) };
  if (Object.keys(patch).length > 0) await call(url, host.adminToken, patch, "PATCH");
  return saved;
}

/** Makes the tenant through the admin API and keeps its credentials in the host's book. */
async function created(host: TenantHost, id: string, options: TenantOptions): Promise<SavedTenant> {
  const identitySecret = `test-identity-${randomHex(24)}`;
  let tenant: { apiKey: string };
  try {
    tenant = await call<{ apiKey: string }>(`${host.url}/v1/admin/tenants`, host.adminToken, {
      id,
      name: options.name ?? `Test tenant ${id}`,
      allowedOrigins: options.allowedOrigins ?? [],
      identity: { issuer: id, hs256Secrets: [identitySecret] },
    });
  } catch (err) {
    if (host.book && err instanceof ApiCallError && err.status === 409) {
      throw new Error(
        `tenant ${id} exists in this persistTo folder but the kit does not hold its credentials (the demo tenant, or one made by hand or by an older kit): use another tenant id, or remove the folder. ${err.message}`,
      );
    }
    throw err;
  }
  const bot = await call<{ apiKey: string }>(`${host.url}/v1/admin/tenants/${id}/api-keys`, host.adminToken, { role: "bot", name: "test bot" });
  const saved = { identitySecret, apiKey: bot.apiKey, adminKey: tenant.apiKey };
  host.book?.keep(id, saved);
  return saved;
}

/**
 * A tenant for tests. Made through the admin API (`POST /v1/admin/tenants`,
 * then a bot key with `POST /v1/admin/tenants/:id/api-keys`), or, when the
 * host has a book (a `persistTo` folder) holding `options.id`, that tenant as
 * an earlier start made it, same keys and identity secret.
 * @throws Error with the server's answer when a call fails (e.g. 409 for an id taken by a tenant the kit did not make).
 */
export async function createTestTenant(host: TenantHost, options: TenantOptions = {}): Promise<TestTenant> {
  const id = options.id ?? `t-${randomHex(8)}`;
  const { identitySecret, apiKey, adminKey } = (await foundAgain(host, id, options)) ?? (await created(host, id, options));
  const sign = signer(id, identitySecret);

  return {
    id,
    identitySecret,
    apiKey,
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
