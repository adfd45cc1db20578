// Catch-up: how long a new device takes to hold a whole long conversation,
// over HTTP paging and over the live socket's replay.
import { Agent } from "node:http";
import { closedLoop, send } from "./load.ts";
import { openLive, opened, parseFrame } from "./live.ts";

function seedBody(n: number): { clientId: string; content: { type: "text"; text: string } } {
  return { clientId: `seed-${n}`, content: { type: "text", text: `history message number ${n}` } };
}

/**
 * Appends `count` messages to one conversation: pipelined `send` frames on
 * one live socket (fast, up to `window` unacknowledged), or over HTTP with
 * `clients` concurrent writers when there is no live endpoint.
 */
export async function seedConversation(
  baseUrl: string,
  token: string,
  conversationId: string,
  count: number,
  clients: number,
  overLive: boolean,
  window = 64,
): Promise<void> {
  if (!overLive) {
    const result = await closedLoop(baseUrl, {
      clients,
      total: count,
      request: (_c, n) => ({
        method: "POST",
        path: `/v1/conversations/${conversationId}/messages`,
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(seedBody(n)),
      }),
    });
    if (result.ok !== count) throw new Error(`seeding wrote ${result.ok} of ${count} events: ${result.firstFailure}`);
    return;
  }
  // Sends are idempotent by clientId, so a socket that drops is simply
  // reopened and every unacknowledged message sent again.
  const acked = new Set<number>();
  for (let attempt = 0; acked.size < count; attempt++) {
    if (attempt >= 10) throw new Error(`seeding gave up after ${attempt} socket drops with ${acked.size} of ${count} acked`);
    await seedOnce(baseUrl, token, conversationId, count, window, acked).catch(() => undefined);
  }
}

function seedOnce(baseUrl: string, token: string, conversationId: string, count: number, window: number, acked: Set<number>): Promise<void> {
  const ws = openLive(baseUrl, token, conversationId, Number.MAX_SAFE_INTEGER);
  let next = 0;
  let inFlight = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inFlight < window && next < count) {
        const n = next++;
        if (acked.has(n)) continue;
        inFlight++;
        ws.send(JSON.stringify({ type: "send", ...seedBody(n) }));
      }
    };
    ws.addEventListener("message", (m) => {
      const frame = parseFrame(m.data);
      if (frame?.type === "ready") pump();
      else if (frame?.type === "ack") {
        inFlight--;
        acked.add(Number(String(frame.clientId).slice("seed-".length)));
        if (acked.size === count) {
          ws.close();
          resolve();
        } else pump();
      } else if (frame?.type === "error") {
        ws.close();
        reject(new Error(`seeding refused: ${JSON.stringify(frame)}`));
      }
    });
    ws.addEventListener("close", (e) => reject(new Error(`seeding socket closed (${e.code}) with ${acked.size} acked`)));
  });
}

/** Pages through every event from seq 1 on one new keep-alive connection; returns milliseconds. */
export async function catchUpOverHttp(baseUrl: string, token: string, conversationId: string, expected: number, limit: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(baseUrl);
  try {
    const t0 = performance.now();
    let cursor = 0;
    let count = 0;
    for (;;) {
      const answer = await send(agent, base, {
        method: "GET",
        path: `/v1/conversations/${conversationId}/events?after=${cursor}&limit=${limit}`,
        headers: { authorization: `Bearer ${token}` },
      });
      if (answer.status !== 200) throw new Error(`catch-up page failed: ${answer.status} ${answer.body.slice(0, 200)}`);
      const page = JSON.parse(answer.body) as { events: { seq: number }[]; cursor: number; hasMore: boolean };
      for (const event of page.events) {
        if (event.seq !== cursor + 1) throw new Error(`catch-up gap: seq ${event.seq} after ${cursor}`);
        cursor = event.seq;
        count++;
      }
      if (!page.hasMore) break;
    }
    const ms = performance.now() - t0;
    if (count !== expected) throw new Error(`catch-up got ${count} events, expected ${expected}`);
    return ms;
  } finally {
    agent.destroy();
  }
}

/**
 * Opens the live socket with after=0 and waits for `ready`; returns
 * milliseconds from connect to ready. `batch`: ask for the batched replay
 * (`events` frames of many events, as the SDK does); otherwise one frame per event.
 */
export async function catchUpOverLive(baseUrl: string, token: string, conversationId: string, expected: number, batch = false): Promise<number> {
  const t0 = performance.now();
  const ws = openLive(baseUrl, token, conversationId, 0, batch);
  try {
    let cursor = 0;
    let count = 0;
    const done = new Promise<number>((resolve, reject) => {
      const take = (event: unknown) => {
        const seq = (event as { seq: number }).seq;
        if (seq !== cursor + 1) reject(new Error(`live replay gap: seq ${seq} after ${cursor}`));
        cursor = seq;
        count++;
      };
      ws.addEventListener("message", (m) => {
        const frame = parseFrame(m.data);
        if (frame?.type === "event") take(frame.event);
        else if (frame?.type === "events") for (const event of frame.events as unknown[]) take(event);
        else if (frame?.type === "ready") {
          resolve(performance.now() - t0);
        } else if (frame?.type === "error") {
          reject(new Error(`live replay error frame: ${JSON.stringify(frame)}`));
        }
      });
      ws.addEventListener("close", (e) => reject(new Error(`live replay closed early (${e.code})`)));
    });
    await opened(ws);
    const ms = await done;
    if (count !== expected) throw new Error(`live replay sent ${count} events, expected ${expected}`);
    return ms;
  } finally {
    ws.close();
  }
}
