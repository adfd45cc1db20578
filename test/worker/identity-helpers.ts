// Helpers for the identity tests: tenants made through the admin API (a
// unique id per test), raw session requests, guests.
import { ADMIN_TOKEN, api, json, type SessionAnswer } from "./helpers";

export interface TestTenant {
  id: string;
  apiKey: string;
  secret: string;
}

export function uniqueTenantId(prefix = "t"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 18)}`;
}

export async function createTenant(body: Record<string, unknown> = {}): Promise<TestTenant> {
  const id = typeof body.id === "string" ? body.id : uniqueTenantId();
  const secret = `secret-${crypto.randomUUID()}-${crypto.randomUUID()}`;
  const res = await api("/v1/admin/tenants", {
    method: "POST",
    token: ADMIN_TOKEN,
    json: { id, name: `Tenant ${id}`, identity: { issuer: id, hs256Secrets: [secret] }, ...body },
  });
  if (res.status !== 201) throw new Error(`tenant failed: ${res.status} ${await res.text()}`);
  const answer = await json<{ apiKey: string }>(res);
  return { id, apiKey: answer.apiKey, secret };
}

export function postSession(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return api("/v1/sessions", { method: "POST", json: { tenant: "demo", ...body }, headers });
}

export async function session(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<SessionAnswer> {
  const res = await postSession(body, headers);
  if (res.status !== 201) throw new Error(`session failed: ${res.status} ${await res.text()}`);
  return json<SessionAnswer>(res);
}

export interface ProblemBody {
  status: number;
  code: string;
  detail?: string;
  retryAfter?: number;
}

/** Asserts nothing; returns status and problem code for expect(). */
export async function problemOf(res: Response): Promise<{ status: number; code: string; type: string | null }> {
  const body = await json<ProblemBody>(res);
  return { status: res.status, code: body.code, type: res.headers.get("content-type") };
}

export interface ThreadRow {
  id: string;
  status: string;
  lastSeq: number;
  readSeq: number;
  unread: number;
  lastEvent: { seq: number; content?: { text?: string } } | null;
}

export async function myThreads(token: string): Promise<ThreadRow[]> {
  const res = await api("/v1/me/conversations", { token });
  if (res.status !== 200) throw new Error(`list failed: ${res.status} ${await res.text()}`);
  return (await json<{ conversations: ThreadRow[] }>(res)).conversations;
}

export async function texts(token: string, conversationId: string): Promise<string[]> {
  const res = await api(`/v1/conversations/${conversationId}/events?after=0`, { token });
  if (res.status !== 200) throw new Error(`events failed: ${res.status} ${await res.text()}`);
  const page = await json<{ events: { content?: { text?: string } }[] }>(res);
  return page.events.map((e) => e.content?.text ?? "");
}
