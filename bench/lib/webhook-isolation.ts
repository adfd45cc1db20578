// Webhook isolation (issue 13: "1,000 conversations with a failing endpoint do
// not slow other tenants' appends"): the pieces bench/run.ts puts together.
// Tenants made with the admin API: B has no endpoints and is the one
// measured; A has one endpoint on a loopback receiver that always fails (HTTP
// 500, optionally with Retry-After, or no answer until the outbox's 15 s
// timeout), and customers who each wrote a few messages, so every one of A's
// conversation outboxes holds failing deliveries with retries scheduled.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { inBatches, type Session } from "./carryover.ts";

/** How the failing receiver fails: `500` answers at once, `hang` never answers (the outbox gives up after 15 s). */
export type FailureMode = "500" | "hang";

/**
 * A loopback webhook receiver that fails every delivery, counting attempts
 * (total, per conversation, and held open in `hang` mode).
 */
export class FailingReceiver {
  attempts = 0;
  readonly conversations = new Set<string>();
  private readonly held = new Set<ServerResponse>();
  private server: Server | undefined;
  private readonly mode: FailureMode;
  private readonly retryAfterSeconds: number | null;

  /** `retryAfterSeconds`: sent as `Retry-After` with each 500 (null: none, the normal schedule applies). */
  constructor(mode: FailureMode, retryAfterSeconds: number | null) {
    this.mode = mode;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Requests being held open right now (`hang` mode). */
  get inFlight(): number {
    return this.held.size;
  }

  /** Listens on a free loopback port; resolves with the endpoint URL to register. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    // Held requests must outlive Node's defaults; workerd aborts them at 15 s.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    this.server = server;
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("receiver has no address");
    return `http://127.0.0.1:${address.port}/hook`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.attempts++;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { conversationId?: string };
        if (body.conversationId) this.conversations.add(body.conversationId);
      } catch {
        // not a delivery; counted anyway
      }
      if (this.mode === "hang") {
        this.held.add(res);
        res.on("close", () => this.held.delete(res));
        return;
      }
      res.writeHead(500, this.retryAfterSeconds === null ? {} : { "retry-after": String(this.retryAfterSeconds) }).end("failing on purpose");
    });
  }

  close(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

/** A tenant made for the bench: its id, the HS256 secret its identity tokens are signed with, its admin-role key. */
export interface BenchTenant {
  id: string;
  secret: string;
  apiKey: string;
}

async function call<T>(url: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${body === undefined ? "GET" : "POST"} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Creates tenant `id` (POST /v1/admin/tenants) with a fresh HS256 identity secret. */
export async function createTenant(baseUrl: string, adminToken: string, id: string): Promise<BenchTenant> {
  const secret = randomBytes(32).toString("hex");
  const { apiKey } = await call<{ apiKey: string }>(`${baseUrl}/v1/admin/tenants`, adminToken, {
    id,
    name: id,
    allowedOrigins: ["http://localhost:8787"],
    identity: { issuer: id, hs256Secrets: [secret] },
  });
  return { id, secret, apiKey };
}

/** A customer session of `tenant` for `userId`, and that customer's open conversation. */
export async function customerThread(baseUrl: string, tenant: BenchTenant, userId: string): Promise<{ session: Session; conversation: string }> {
  const now = Math.floor(Date.now() / 1000);
  const identityToken = await new SignJWT({ name: userId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(tenant.id)
    .setAudience("carryover")
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(tenant.secret));
  const s = await call<{ sessionToken: string; deviceId: string }>(`${baseUrl}/v1/sessions`, "", { tenant: tenant.id, identityToken });
  const c = await call<{ conversation: { id: string } }>(`${baseUrl}/v1/conversations`, s.sessionToken, {});
  return { session: { sessionToken: s.sessionToken, deviceId: s.deviceId, userId }, conversation: c.conversation.id };
}

/** Registers `url` as a `message.created` webhook endpoint of `tenant`. */
export async function createEndpoint(baseUrl: string, tenant: BenchTenant, url: string): Promise<string> {
  const { endpoint } = await call<{ endpoint: { id: string } }>(`${baseUrl}/v1/webhook-endpoints`, tenant.apiKey, {
    url,
    events: ["message.created"],
    description: "bench: always fails",
  });
  return endpoint.id;
}

/**
 * `conversations` customers of `tenant`, each writing `backlog` messages, `width`
 * at a time: every message is one pending delivery in that conversation's outbox.
 */
export async function seedFailingConversations(
  baseUrl: string,
  tenant: BenchTenant,
  conversations: number,
  backlog: number,
  width: number,
  runId: string,
  progress: (done: number) => void = () => undefined,
): Promise<void> {
  let done = 0;
  await inBatches(Array.from({ length: conversations }, (_, i) => `bench-hook-${runId}-${i}`), width, async (user) => {
    const { session, conversation } = await customerThread(baseUrl, tenant, user);
    for (let m = 0; m < backlog; m++) {
      await call(`${baseUrl}/v1/conversations/${conversation}/messages`, session.sessionToken, {
        clientId: `${user}-${m}`,
        content: { type: "text", text: `for a failing endpoint ${m}` },
      });
    }
    progress(++done);
  });
}

/** Resolves when the receiver has seen an attempt from `conversations` distinct conversations; throws after `timeoutMs`. */
export async function firstAttemptsFrom(receiver: FailingReceiver, conversations: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (receiver.conversations.size < conversations) {
    if (Date.now() > deadline) throw new Error(`only ${receiver.conversations.size} of ${conversations} conversations attempted a delivery`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
