// Helpers for the SDK tests against a real local server: identity tokens as a
// tenant backend signs them, the bot's Send API, the server's log, and an
// "offline switch" that makes the injected fetch and WebSocket fail.
import { SignJWT } from "jose";

export const DEMO_SECRET = "demo-identity-secret-change-me-0123456789";
export const BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
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
