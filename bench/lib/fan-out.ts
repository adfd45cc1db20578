// Live fan-out: many devices of one person hold a socket on one conversation;
// another device sends a message over HTTP; latency is from the send to the
// moment the last socket has the event.
import { Agent } from "node:http";
import { inBatches, openSession } from "./carryover.ts";
import { send } from "./load.ts";
import { openLive, opened, parseFrame } from "./live.ts";
import { percentile } from "./stats.ts";

export interface FanOutOptions {
  sockets: number;
  messages: number;
  warmup: number;
  /** Give up on one message after this long. */
  timeoutMs?: number;
}

export interface FanOutResult {
  sockets: number;
  messages: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Send → HTTP answer, for comparison: the append alone. */
  appendP50Ms: number;
  appendP99Ms: number;
  /** First socket → last socket of one message: the fan-out alone, without the append. */
  spreadP50Ms: number;
  spreadP99Ms: number;
}

export async function fanOut(
  baseUrl: string,
  userId: string,
  conversationId: string,
  senderToken: string,
  options: FanOutOptions,
): Promise<FanOutResult> {
  const devices = await inBatches(Array.from({ length: options.sockets }), 8, () => openSession(baseUrl, userId));
  const waiting = new Map<string, { remaining: number; first: number; done: () => void }>();
  const sockets: WebSocket[] = [];
  // Why sockets went away, so a failed run says what happened instead of only timing out.
  const closes = new Map<string, number>();
  try {
    await inBatches(devices, 10, async (device) => {
      const ws = openLive(baseUrl, device.sessionToken, conversationId, 0);
      sockets.push(ws);
      ws.addEventListener("close", (e) => {
        const key = `${e.code}${e.reason ? ` ${e.reason}` : ""}`;
        closes.set(key, (closes.get(key) ?? 0) + 1);
      });
      const ready = new Promise<void>((resolve) => {
        ws.addEventListener("message", (m) => {
          const frame = parseFrame(m.data);
          if (frame?.type === "ready") resolve();
          if (frame?.type !== "event") return;
          const clientId = (frame.event as { clientId?: string }).clientId;
          const entry = clientId === undefined ? undefined : waiting.get(clientId);
          if (!entry) return;
          if (entry.remaining === options.sockets) entry.first = performance.now();
          if (--entry.remaining === 0) entry.done();
        });
      });
      await opened(ws);
      await ready;
    });

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const base = new URL(baseUrl);
    const latencies: number[] = [];
    const appendLatencies: number[] = [];
    const spreads: number[] = [];
    try {
      for (let n = 0; n < options.warmup + options.messages; n++) {
        const clientId = `fanout-${n}`;
        const t0 = performance.now();
        let finished = 0;
        let first = 0;
        const allReceived = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => {
              const closed = [...closes].map(([why, count]) => `${count} × ${why}`).join(", ");
              const reached = options.sockets - (waiting.get(clientId)?.remaining ?? 0);
              reject(new Error(`message ${n} reached only ${reached} of ${options.sockets} sockets${closed ? `; sockets closed: ${closed}` : ""}`));
            },
            options.timeoutMs ?? 10_000,
          );
          const entry = {
            remaining: options.sockets,
            first: 0,
            done: () => {
              finished = performance.now();
              first = entry.first;
              clearTimeout(timer);
              resolve();
            },
          };
          waiting.set(clientId, entry);
        });
        const answer = await send(agent, base, {
          method: "POST",
          path: `/v1/conversations/${conversationId}/messages`,
          headers: { authorization: `Bearer ${senderToken}` },
          body: JSON.stringify({ clientId, content: { type: "text", text: `fan-out ${n}` } }),
        });
        const appended = performance.now();
        if (answer.status !== 201) throw new Error(`fan-out send failed: ${answer.status} ${answer.body.slice(0, 200)}`);
        await allReceived;
        waiting.delete(clientId);
        if (n >= options.warmup) {
          latencies.push(finished - t0);
          appendLatencies.push(appended - t0);
          spreads.push(finished - first);
        }
      }
    } finally {
      agent.destroy();
    }
    return {
      sockets: options.sockets,
      messages: options.messages,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      appendP50Ms: percentile(appendLatencies, 50),
      appendP99Ms: percentile(appendLatencies, 99),
      spreadP50Ms: percentile(spreads, 50),
      spreadP99Ms: percentile(spreads, 99),
    };
  } finally {
    for (const ws of sockets) ws.close();
  }
}
