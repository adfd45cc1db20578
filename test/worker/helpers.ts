// Test helpers: call the Worker through its public fetch, mint identity
// tokens the way a tenant's backend would, open sessions.
import { exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import type { SessionAnswer } from "../../src/protocol/session";

export const DEMO_SECRET = "demo-identity-secret-change-me-0123456789";
export const BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
/** The demo tenant's admin-role key: it may send as an agent (a bot-role key only as a bot). */
export const ADMIN_KEY = "ck_demo_admin_change_me_0123456789abcdef";
export const ADMIN_TOKEN = "dev-admin-token-change-me";
export const BASE = "https://carryover.test";

export function api(path: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers, body: body ?? null }));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface IdentityOptions {
  secret?: string;
  iss?: string;
  aud?: string;
  expiresIn?: number;
  iat?: number;
  name?: string;
  sub?: string | null;
  alg?: string;
}

/** An identity token as the tenant's backend would sign it. */
export async function identityToken(sub: string, opts: IdentityOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = opts.iat ?? now;
  const jwt = new SignJWT(opts.name ? { name: opts.name } : {})
    .setProtectedHeader({ alg: opts.alg ?? "HS256", typ: "JWT" })
    .setIssuer(opts.iss ?? "demo")
    .setAudience(opts.aud ?? "carryover")
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.expiresIn ?? 600));
  if (opts.sub !== null) jwt.setSubject(opts.sub ?? sub);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? DEMO_SECRET));
}

/** A unique user id per test, so tests never share a Customer DO. */
export function uniqueUser(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

export type { SessionAnswer };


export async function openSession(userId: string, extra: Record<string, unknown> = {}): Promise<SessionAnswer> {
  const res = await api("/v1/sessions", {
    method: "POST",
    json: { tenant: "demo", identityToken: await identityToken(userId), ...extra },
  });
  if (res.status !== 201) throw new Error(`session failed: ${res.status} ${await res.text()}`);
  return json<SessionAnswer>(res);
}

export async function openConversation(token: string, ref?: string): Promise<string> {
  const res = await api("/v1/conversations", { method: "POST", token, json: ref ? { ref } : {} });
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversation failed: ${res.status} ${await res.text()}`);
  return (await json<{ conversation: { id: string } }>(res)).conversation.id;
}

export async function send(token: string, conversationId: string, clientId: string, text: string): Promise<Response> {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token,
    json: { clientId, content: { type: "text", text } },
  });
}

/**
 * Polls `read` until `ready` holds (or ~5 s pass) and returns the last value.
 * For the person's thread list, which Conversation DOs update just after
 * each write (debounced), not within the write's request.
 */
export async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 250 && !ready(value); i++) {
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  return value;
}
