// A webhook receiver the tests control: it records every delivery per "bin"
// (the first path segment) and answers from a plan the test sets. Used two
// ways: in-process as miniflare's outbound service for worker tests (the
// Worker's fetch to https://hooks.test/… reaches it), and behind a real
// loopback HTTP server for the Node tests against `wrangler dev`.
//
// Control routes (any host): POST /_plan/<bin> [Answer…] queues answers;
// GET /_log/<bin> lists the deliveries received; POST /_release/<bin> lets
// answers that wait for a release go; POST /_reset/<bin> drops the plan left.
import { createServer, type Server } from "node:http";

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer until POST /_release/<bin>. */
  hold?: boolean;
}

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

interface Bin {
  plan: Answer[];
  log: Received[];
  released: boolean;
  waiters: (() => void)[];
}

export class WebhookReceiver {
  private readonly bins = new Map<string, Bin>();

  private bin(name: string): Bin {
    let bin = this.bins.get(name);
    if (!bin) {
      bin = { plan: [], log: [], released: false, waiters: [] };
      this.bins.set(name, bin);
    }
    return bin;
  }

  /** Queues answers for `bin` (then 200 for anything after). */
  plan(bin: string, answers: Answer[]): void {
    this.bin(bin).plan.push(...answers);
  }

  /** What `bin` received so far, oldest first. */
  log(bin: string): Received[] {
    return [...this.bin(bin).log];
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const [first, second] = url.pathname.split("/").filter(Boolean);
    if (first === "_plan" && second) {
      const bin = this.bin(second);
      bin.plan.push(...((await request.json()) as Answer[]));
      bin.released = false;
      return Response.json({ ok: true });
    }
    if (first === "_reset" && second) {
      this.bin(second).plan = [];
      return Response.json({ ok: true });
    }
    if (first === "_log" && second) return Response.json(this.bin(second).log);
    if (first === "_release" && second) {
      const bin = this.bin(second);
      bin.released = true;
      for (const wake of bin.waiters.splice(0)) wake();
      return Response.json({ ok: true });
    }
    if (!first) return new Response("no bin", { status: 404 });
    const bin = this.bin(first);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    const body = await request.text();
    bin.log.push({ headers, body, at: Date.now() });
    const answer = bin.plan.shift() ?? { status: 200 };
    if (answer.hold && !bin.released) await new Promise<void>((wake) => bin.waiters.push(wake));
    return new Response(answer.body ?? "ok", { status: answer.status, headers: answer.headers ?? {} });
  }

  /** Serves this receiver on a loopback port; resolves with its base URL. */
  async listen(): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const hasBody = req.method !== "GET" && req.method !== "HEAD";
        const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
          method: req.method ?? "GET",
          headers,
          body: hasBody ? Buffer.concat(chunks) : null,
        });
        void this.handle(request).then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no address");
    return { url: `http://127.0.0.1:${address.port}`, server };
  }
}
