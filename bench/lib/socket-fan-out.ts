// Live fan-out measured the same way for every server: one sender socket,
// `sockets` receiver sockets in one room, messages sent one at a time; the
// latency of a message is from the sender's `send` to the moment the last
// receiver has it. Carryover, the bench's minimal broadcast room (the floor)
// and cloudflare/workers-chat-demo (--peer) differ only in their adapter.
import { percentile } from "./stats.ts";
import { opened } from "./live.ts";

export interface RoomAdapter {
  /** Opens socket `i` (receivers 0..n-1, the sender is n) and resolves once it receives. */
  open(i: number): Promise<WebSocket>;
  /** The frame the sender sends for message `id`. */
  frame(id: string): string;
  /** The message id a received frame carries, or null for other frames. */
  idOf(data: unknown): string | null;
}

/** Waits until `ws` receives a frame for which `match` holds. */
export function frameWhere(ws: WebSocket, match: (data: unknown) => boolean, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no such frame in time")), timeoutMs);
    const onMessage = (m: MessageEvent) => {
      if (!match(m.data)) return;
      clearTimeout(timer);
      ws.removeEventListener("message", onMessage);
      resolve();
    };
    ws.addEventListener("message", onMessage);
  });
}

export interface OpenRoom {
  /** Sends `messages` one at a time (after `warmup` unmeasured ones); the latency of each to the last receiver (ms). */
  measure(messages: number, warmup: number, tag: string): Promise<number[]>;
  close(): void;
}

/** Opens `sockets` receivers and one sender through `adapter`, kept open across rounds. */
export async function openRoom(adapter: RoomAdapter, sockets: number): Promise<OpenRoom> {
  const receivers: WebSocket[] = [];
  const waiting = new Map<string, { remaining: number; done: () => void }>();
  const close = () => {
    for (const ws of receivers) ws.close();
  };
  try {
    for (let start = 0; start < sockets; start += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, sockets - start) }, (_, k) => adapter.open(start + k)));
      receivers.push(...batch);
    }
    for (const ws of receivers) {
      ws.addEventListener("message", (m) => {
        const id = adapter.idOf(m.data);
        const entry = id === null ? undefined : waiting.get(id);
        if (entry && --entry.remaining === 0) entry.done();
      });
    }
    const sender = await adapter.open(sockets);
    receivers.push(sender); // closed with the rest; never counted (it is not in `waiting`'s count)
    return {
      close,
      async measure(messages, warmup, tag) {
        const latencies: number[] = [];
        for (let n = 0; n < warmup + messages; n++) {
          const id = `${tag}-${n}`;
          const all = new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`message ${n} reached ${sockets - (waiting.get(id)?.remaining ?? 0)} of ${sockets} sockets`)), 15_000);
            waiting.set(id, { remaining: sockets, done: () => (clearTimeout(timer), resolve()) });
          });
          const t0 = performance.now();
          sender.send(adapter.frame(id));
          await all;
          waiting.delete(id);
          if (n >= warmup) latencies.push(performance.now() - t0);
        }
        return latencies;
      },
    };
  } catch (err) {
    close();
    throw err;
  }
}

export function p50p99(latencies: number[]): { p50: number; p99: number } {
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function json(data: unknown): Record<string, unknown> | null {
  if (typeof data !== "string") return null;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** 22 characters of an id, like Carryover's (`evt_…`, `dev_…`). */
function randomId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(22)), (b) => alphabet[b % 62]).join("");
}

/**
 * The floor: bench/baseline-worker.ts's Room, which relays each text frame as
 * it is. Two handicaps price what Carryover pays on top of it (info rows):
 * `behindRelay` reaches the room through Carryover's own Worker relay
 * (src/http/live-relay.ts); `eventSized` sends frames shaped and sized like
 * the `event` frame a Carryover receiver gets (≈ 310 bytes, random ids, so
 * compression gains what it gains on the real frame) instead of ≈ 45 bytes.
 */
export function floorRoom(baselineUrl: string, room: string, options: { behindRelay?: boolean; eventSized?: boolean } = {}): RoomAdapter {
  let seq = 0;
  return {
    async open() {
      const ws = new WebSocket(`${baselineUrl.replace(/^http/, "ws")}/room/${room}${options.behindRelay ? "?relay=1" : ""}`);
      await opened(ws);
      return ws;
    },
    frame: (id) =>
      options.eventSized
        ? JSON.stringify({
            type: "event",
            id,
            event: {
              seq: ++seq,
              id: `evt_${randomId()}`,
              type: "message.created",
              at: new Date().toISOString(),
              sender: { role: "customer", id: "bench-socket-floor", name: "bench-socket-floor", deviceId: `dev_${randomId()}` },
              clientId: id,
              content: { type: "text", text: `fan-out ${id}` },
            },
          })
        : JSON.stringify({ id, text: `fan-out ${id}` }),
    idOf: (data) => {
      const id = json(data)?.id;
      return typeof id === "string" ? id : null;
    },
  };
}

/**
 * cloudflare/workers-chat-demo (src/chat.mjs): `/api/room/<name>/websocket`,
 * a `{ name }` frame first, then `{ message }` frames; the room broadcasts
 * `{ name, message, timestamp }` and answers `{ ready: true }` to a joiner.
 */
export function chatDemoRoom(peerUrl: string, room: string): RoomAdapter {
  return {
    async open(i) {
      const ws = new WebSocket(`${peerUrl.replace(/^http/, "ws")}/api/room/${room}/websocket`);
      await opened(ws);
      const ready = frameWhere(ws, (d) => json(d)?.ready === true);
      ws.send(JSON.stringify({ name: `bench-${i}` }));
      await ready;
      return ws;
    },
    frame: (id) => JSON.stringify({ message: id }),
    idOf: (data) => {
      const message = json(data)?.message;
      return typeof message === "string" ? message : null;
    },
  };
}
