// Closed-loop HTTP load: N clients, each with exactly one keep-alive
// connection, each sending its next request as soon as the previous answer is
// read. Every endpoint and its baseline are driven by this same code, so
// their ratio compares the servers, not the clients.
import { Agent, request as httpRequest } from "node:http";
import type { Socket } from "node:net";
import { percentile } from "./stats.ts";

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  clients: number;
  /** Run until this long has passed (each client finishes its request in flight)… */
  durationMs?: number;
  /** …or until this many requests have been started in total. */
  total?: number;
  /** The n-th request (0-based, over all clients) of client `client`. */
  request(client: number, n: number): LoadRequest;
  /** Which statuses count as success; default 2xx. */
  ok?: (status: number) => boolean;
}

export interface LoadResult {
  completed: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Successful requests per second over the whole run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connections actually opened; equals `clients` when keep-alive held. */
  connections: number;
  firstFailure?: string;
}

interface Answer {
  status: number;
  body: string;
}

/** One request on `agent`; the socket it used is added to `sockets` when given. */
export function send(agent: Agent, base: URL, req: LoadRequest, sockets?: Set<Socket>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) {
      headers["content-type"] ??= "application/json";
      headers["content-length"] = String(Buffer.byteLength(req.body));
    }
    const r = httpRequest(
      { host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    if (sockets) r.once("socket", (socket: Socket) => sockets.add(socket));
    r.end(req.body);
  });
}

export async function closedLoop(baseUrl: string, options: LoadOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.total === undefined) throw new Error("give durationMs or total");
  const base = new URL(baseUrl);
  const isOk = options.ok ?? ((s: number) => s >= 200 && s < 300);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let started = 0;
  let ok = 0;
  let failed = 0;
  const sockets = new Set<Socket>();
  let firstFailure: string | undefined;
  const t0 = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : t0 + options.durationMs;
  const more = () => performance.now() < deadline && (options.total === undefined || started < options.total);

  const agents: Agent[] = [];
  const client = async (index: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    while (more()) {
      const n = started++;
      const t = performance.now();
      let status = "error";
      try {
        const answer = await send(agent, base, options.request(index, n), sockets);
        status = String(answer.status);
        if (isOk(answer.status)) ok++;
        else {
          failed++;
          firstFailure ??= `${answer.status} ${answer.body.slice(0, 300)}`;
        }
      } catch (err) {
        failed++;
        firstFailure ??= String(err);
      }
      latencies.push(performance.now() - t);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  const seconds = (performance.now() - t0) / 1000;
  for (const agent of agents) agent.destroy();
  return {
    completed: latencies.length,
    ok,
    failed,
    statuses,
    seconds,
    rps: ok / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    connections: sockets.size,
    ...(firstFailure ? { firstFailure } : {}),
  };
}
