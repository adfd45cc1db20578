// A recording webhook receiver for tests: a loopback HTTP server that checks
// every delivery's Standard Webhooks signature (with the `standardwebhooks`
// library, as a business's own server would) and lets a test wait for the
// next delivery of a type. Contract: API.md "Webhooks".
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { WebhookBody as DeliveryBody } from "../protocol/webhook-body";

/** The JSON body of a delivery (API.md "Webhooks"), its `data` an object. */
export type WebhookBody = DeliveryBody<Record<string, unknown>>;

/** A delivery whose signature checked out. */
export interface WebhookDelivery {
  /** `webhook-id` (= body `id`; the same on every retry of one message). */
  id: string;
  type: string;
  body: WebhookBody;
  /** The raw body as received. */
  raw: string;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  receivedAt: Date;
}

/** A request that was refused: no secret yet, bad or missing signature, or a body that is not a delivery. */
export interface RejectedDelivery {
  raw: string;
  headers: Record<string, string>;
  reason: string;
}

export interface WaitOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Only a delivery for which this returns true. */
  match?: (delivery: WebhookDelivery) => boolean;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/webhooks`: register it as the endpoint's url. */
  readonly url: string;
  /** Every verified delivery in arrival order, retries included. */
  readonly deliveries: readonly WebhookDelivery[];
  /** Every refused request (answered 401, or 503 while no secret is set). */
  readonly rejected: readonly RejectedDelivery[];
  /** The endpoint's `whsec_…` secret; deliveries before it is set are refused with 503. */
  setSecret(secret: string): void;
  /**
   * The next delivery of `type` not yet returned by an earlier call (it may
   * have arrived before this call). A retried delivery (same `webhook-id` as
   * one already returned) is never returned again.
   * @throws Error after `timeoutMs`, listing what did arrive.
   */
  waitFor(type: string, options?: WaitOptions): Promise<WebhookDelivery>;
  /** Stops listening and drops open connections; pending waits reject. */
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** The endpoint secret, when already known. */
  secret?: string;
  /** The status to answer a verified delivery with (default 204); e.g. 500 to make Carryover retry. */
  status?: (delivery: WebhookDelivery) => number;
}

interface Waiter {
  type: string;
  match: (d: WebhookDelivery) => boolean;
  resolve: (d: WebhookDelivery) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function isBody(value: unknown): value is WebhookBody {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === "string" && typeof v.type === "string" && typeof v.tenant === "string";
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts a receiver on a free loopback port.
 * @example
 *   const hooks = await createWebhookReceiver();
 *   // POST /v1/webhook-endpoints { url: hooks.url, events: ["message.created"] } → { secret }
 *   hooks.setSecret(secret);
 *   const delivery = await hooks.waitFor("message.created");
 */
export async function createWebhookReceiver(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
  let verifier = options.secret ? new Webhook(options.secret) : null;
  const deliveries: WebhookDelivery[] = [];
  const rejected: RejectedDelivery[] = [];
  const taken = new Set<WebhookDelivery>();
  const returnedIds = new Set<string>();
  const waiters: Waiter[] = [];

  const available = (d: WebhookDelivery) => !taken.has(d) && !returnedIds.has(d.id);
  const take = (d: WebhookDelivery) => {
    taken.add(d);
    returnedIds.add(d.id);
    return d;
  };

  function offer(delivery: WebhookDelivery): void {
    if (!available(delivery)) return;
    const index = waiters.findIndex((w) => w.type === delivery.type && w.match(delivery));
    if (index < 0) return;
    const [waiter] = waiters.splice(index, 1);
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.resolve(take(delivery));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const headers = headersOf(req);
    const refuse = (status: number, reason: string) => {
      rejected.push({ raw, headers, reason });
      res.writeHead(status, { "content-type": "text/plain" }).end(reason);
    };
    if (req.method !== "POST") return refuse(405, "POST only");
    if (!verifier) return refuse(503, "no secret set on the receiver yet");
    let body: unknown;
    try {
      body = verifier.verify(raw, headers);
    } catch (err) {
      return refuse(401, `signature check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!isBody(body)) return refuse(400, "not a Carryover delivery (id, type, tenant)");
    const delivery: WebhookDelivery = { id: headers["webhook-id"] ?? body.id, type: body.type, body, raw, headers, receivedAt: new Date() };
    deliveries.push(delivery);
    res.writeHead(options.status?.(delivery) ?? 204).end();
    offer(delivery);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    deliveries,
    rejected,
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    waitFor(type, { timeoutMs = 10_000, match = () => true } = {}) {
      const ready = deliveries.find((d) => d.type === type && available(d) && match(d));
      if (ready) return Promise.resolve(take(ready));
      return new Promise<WebhookDelivery>((resolve, reject) => {
        const waiter: Waiter = {
          type,
          match,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            const seen = deliveries.map((d) => d.type).join(", ") || "none";
            reject(new Error(`no ${type} webhook within ${timeoutMs} ms (received: ${seen}; refused: ${rejected.length})`));
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },
    async close() {
      for (const waiter of waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error("the webhook receiver was closed"));
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
