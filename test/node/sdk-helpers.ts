// Helpers for the SDK tests against a real local server: identity tokens as a
// tenant backend signs them, the bot's Send API, the server's log, and an
// "offline switch" that makes the injected fetch and WebSocket fail.
import { SignJWT } from "jose";
import { expect } from "vitest";
import { createClient, type CarryoverClient, type ClientOptions, type ConversationHandle, type KeyValueStorage } from "../../src/client/index.ts";

export const DEMO_SECRET = "demo-identity-secret-change-me-0123456789";
export const BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
/** The demo tenant's admin-role key: it may act as an agent (a bot-role key only as a bot). */
export const ADMIN_KEY = "ck_demo_admin_change_me_0123456789abcdef";
export const SESSION_SECRET = "sdk-test-session-secret-0123456789abcdef";

export function uniqueUser(prefix = "sdk"): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

export async function identityToken(sub: string, name?: string, expiresIn = 600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(name ? { name } : {})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("demo")
    .setAudience("carryover")
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(DEMO_SECRET));
}

/** An identity-token provider that counts its calls. */
export function identityProvider(sub: string, name?: string): { provider: () => Promise<string | null>; calls: () => number } {
  let calls = 0;
  return {
    provider: async () => {
      calls++;
      return identityToken(sub, name);
    },
    calls: () => calls,
  };
}

export async function botSend(baseUrl: string, conversationId: string, text: string, clientId: string = crypto.randomUUID()): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOT_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ clientId, content: { type: "text", text }, sender: { role: "bot", id: "sdk-test-bot" } }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`bot send failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { event: { seq: number } };
  return body.event.seq;
}

export interface LogEvent {
  seq: number;
  id: string;
  type: string;
  clientId?: string;
  sender: { role: string; id: string };
  content?: { type: string; text?: string };
}

/** The whole server log of a conversation, read with the bot key. */
export async function serverLog(baseUrl: string, conversationId: string): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  for (;;) {
    const after = out.at(-1)?.seq ?? 0;
    const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}/events?after=${after}&limit=500`, {
      headers: { authorization: `Bearer ${BOT_KEY}` },
    });
    if (res.status !== 200) throw new Error(`log failed: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { events: LogEvent[]; hasMore: boolean };
    out.push(...page.events);
    if (!page.hasMore) return out;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A network that can be switched off: the fetch throws like a dead network and
 * new sockets fail to connect; going offline also drops the open sockets.
 */
export class Network {
  online = true;
  fetchCalls = 0;
  socketsOpened = 0;
  private readonly sockets = new Set<WebSocket>();
  readonly fetch: typeof fetch;
  readonly WebSocket: typeof WebSocket;

  constructor() {
    const net = this;
    this.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      net.fetchCalls++;
      if (!net.online) throw new TypeError("fetch failed (offline)");
      return fetch(input, init);
    }) as typeof fetch;
    class SwitchableWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        // Offline: a port nobody listens on, so the connect fails like a dead network.
        super(net.online ? url : "ws://127.0.0.1:9/offline", protocols);
        net.socketsOpened++;
        net.sockets.add(this);
        this.addEventListener("close", () => net.sockets.delete(this));
      }
    }
    this.WebSocket = SwitchableWebSocket;
  }

  offline(): void {
    this.online = false;
    for (const ws of this.sockets) ws.close();
  }

  reconnect(): void {
    this.online = true;
  }
}

export function texts(items: readonly { event: { type: string; content?: unknown } | null; pending?: { content: unknown } }[]): string[] {
  return items.map((i) => {
    const content = (i.event && "content" in i.event ? i.event.content : i.pending?.content) as { text?: string } | undefined;
    return content?.text ?? "";
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type ClientExtra = Partial<ClientOptions>;

/** A client of the demo tenant signed in as `userId`, with short reconnect delays. */
export function sdkClient(baseUrl: string, userId: string, storage: KeyValueStorage, extra: ClientExtra = {}): CarryoverClient {
  return createClient({
    baseUrl,
    tenant: "demo",
    storage,
    identityToken: identityProvider(userId).provider,
    minReconnectDelay: 50,
    maxReconnectDelay: 500,
    ...extra,
  });
}

/** Waits until the handle holds the server's whole log with nothing pending, then compares them. */
export async function matchesServerLog(baseUrl: string, h: ConversationHandle): Promise<void> {
  const log = await serverLog(baseUrl, h.id);
  await waitFor(() => h.lastSeq === log.at(-1)?.seq && h.items.every((i) => !i.pending), "the client to catch up");
  expect(h.items.map((i) => [i.seq, i.event?.id])).toEqual(log.map((e) => [e.seq, e.id]));
}

/**
 * A real WebSocket class whose sockets the "server" refuses with `code`
 * right after opening, as the live route does for a bad token (4001), a
 * thread that is not yours (4003) or a signed-out device (4008). The SDK sees
 * exactly that close code, whatever code the real server echoes back.
 */
export function refusingWebSocket(code: number, reason: string, refuse: (socketIndex: number) => boolean = () => true) {
  const seen = { sockets: 0, bearers: [] as string[] };
  class Refusing extends WebSocket {
    #onclose: ((ev: CloseEvent) => void) | null = null;
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const index = seen.sockets++;
      seen.bearers.push([protocols ?? []].flat().find((p) => p.startsWith("bearer."))?.slice("bearer.".length) ?? "");
      const refused = refuse(index);
      if (refused) this.addEventListener("open", () => this.close(4000, "refused by the test"));
      this.addEventListener("close", (ev) => {
        this.#onclose?.call(this, refused ? new CloseEvent("close", { code, reason }) : ev);
      });
    }
    override get onclose(): ((ev: CloseEvent) => void) | null {
      return this.#onclose;
    }
    override set onclose(fn: ((ev: CloseEvent) => void) | null) {
      this.#onclose = fn;
    }
  }
  return { WebSocket: Refusing as typeof WebSocket, seen };
}
