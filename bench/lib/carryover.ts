// The few Carryover calls the bench and the soak need, over plain fetch, the
// way a tenant's backend and a customer device make them (API.md).
import { SignJWT } from "jose";

export const DEMO = {
  tenant: "demo",
  identitySecret: "demo-identity-secret-change-me-0123456789",
  botKey: "ck_demo_bot_change_me_0123456789abcdef",
} as const;

const secretKey = new TextEncoder().encode(DEMO.identitySecret);

/** An identity token for `userId`, signed like the demo tenant's backend would. */
export async function identityToken(userId: string, ttlSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: userId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(DEMO.tenant)
    .setAudience("carryover")
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(secretKey);
}

export interface Session {
  sessionToken: string;
  deviceId: string;
  userId: string;
}

export class HttpError extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
    this.status = status;
    this.body = body;
  }
}

async function expectJson<T>(res: Response, what: string, ok: number[]): Promise<T> {
  const text = await res.text();
  if (!ok.includes(res.status)) throw new HttpError(res.status, text, what);
  return JSON.parse(text) as T;
}

export async function openSession(
  baseUrl: string,
  userId: string,
  deviceId?: string,
  signal?: AbortSignal,
): Promise<Session> {
  const res = await fetch(`${baseUrl}/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: DEMO.tenant, identityToken: await identityToken(userId), ...(deviceId ? { deviceId } : {}) }),
    ...(signal ? { signal } : {}),
  });
  const answer = await expectJson<{ sessionToken: string; deviceId: string }>(res, "POST /v1/sessions", [201]);
  return { sessionToken: answer.sessionToken, deviceId: answer.deviceId, userId };
}

/** The user's open conversation (created when none). */
export async function openConversation(baseUrl: string, token: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    ...(signal ? { signal } : {}),
  });
  const answer = await expectJson<{ conversation: { id: string } }>(res, "POST /v1/conversations", [200, 201]);
  return answer.conversation.id;
}

export interface WireEvent {
  seq: number;
  id: string;
  type: string;
  clientId?: string;
  sender: { role: string; id: string; deviceId?: string };
  content?: { type: string; text?: string };
}

export interface EventsPage {
  events: WireEvent[];
  cursor: number;
  hasMore: boolean;
}

export async function eventsPage(
  baseUrl: string,
  token: string,
  conversationId: string,
  after: number,
  limit: number,
  signal?: AbortSignal,
): Promise<EventsPage> {
  const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}/events?after=${after}&limit=${limit}`, {
    headers: { authorization: `Bearer ${token}` },
    ...(signal ? { signal } : {}),
  });
  return expectJson<EventsPage>(res, "GET events", [200]);
}

/** Every event after `after`, paged with `limit`. */
export async function allEvents(
  baseUrl: string,
  token: string,
  conversationId: string,
  after = 0,
  limit = 500,
): Promise<WireEvent[]> {
  const out: WireEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await eventsPage(baseUrl, token, conversationId, cursor, limit);
    out.push(...page.events);
    cursor = page.cursor;
    if (!page.hasMore) return out;
  }
}

/** Runs `task` over `items` with at most `width` in flight. */
export async function inBatches<T, R>(items: readonly T[], width: number, task: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}
