// Live-socket test helpers: open a real WebSocket through the Worker's
// public fetch and read its frames in order.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { api, BASE, BOT_KEY } from "./helpers";

export interface Frame {
  type: string;
  [key: string]: unknown;
}

export interface EventFrame extends Frame {
  type: "event";
  event: { seq: number; id: string; clientId?: string; sender: { role: string; id: string; deviceId?: string }; content?: { type: string; text?: string } };
}

export interface Closed {
  code: number;
  reason: string;
}

const WAIT_MS = 10_000;

export class LiveClient {
  readonly raw: string[] = [];
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  private read = 0;
  private wake: (() => void) | null = null;
  private closedWith: Closed | null = null;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        this.closedWith = { code: e.code, reason: e.reason };
        resolve(this.closedWith);
        this.wake?.();
      });
    });
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      this.raw.push(text);
      this.frames.push(JSON.parse(text) as Frame);
      this.wake?.();
    });
    ws.accept();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet read by next()/until(). */
  async next(): Promise<Frame> {
    const deadline = Date.now() + WAIT_MS;
    while (this.read >= this.frames.length) {
      if (this.closedWith) throw new Error(`socket closed (${this.closedWith.code}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${WAIT_MS} ms; read so far: ${this.raw.slice(-3).join(" ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.frames[this.read++]!;
  }

  /** Reads frames up to and including the first that matches; returns all of them. */
  async until(match: (f: Frame) => boolean): Promise<Frame[]> {
    const seen: Frame[] = [];
    for (;;) {
      const f = await this.next();
      seen.push(f);
      if (match(f)) return seen;
    }
  }

  /** Reads up to the next pong: everything the server sent before answering this ping. */
  async drain(): Promise<Frame[]> {
    // Not the byte-exact ping, so the answer comes from the object, in order with its other frames.
    this.send('{ "type": "ping" }');
    const seen = await this.until((f) => f.type === "pong");
    return seen.slice(0, -1);
  }

  /** Reads the replay: the events up to `ready`, and the ready frame. */
  async replay(): Promise<{ events: EventFrame["event"][]; cursor: number }> {
    const frames = await this.until((f) => f.type === "ready");
    const ready = frames.pop()!;
    for (const f of frames) if (f.type !== "event") throw new Error(`unexpected ${f.type} frame in the replay`);
    return { events: (frames as EventFrame[]).map((f) => f.event), cursor: ready.cursor as number };
  }

  close(): void {
    this.ws.close(1000, "bye");
  }
}

export function liveResponse(
  conversationId: string,
  protocols: string[],
  query = "",
  headers: Record<string, string> = {},
): Promise<Response> {
  return exports.default.fetch(
    new Request(`${BASE}/v1/conversations/${conversationId}/live${query}`, {
      headers: { upgrade: "websocket", "sec-websocket-protocol": protocols.join(", "), ...headers },
    }),
  );
}

/** Opens a live socket that the server upgrades and then closes at once (a refused token); resolves with the close. */
export async function closedAtOnce(conversationId: string, token: string): Promise<Closed> {
  const res = await liveResponse(conversationId, ["carryover.v1", `bearer.${token}`]);
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const closed = new Promise<Closed>((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  ws.accept();
  return closed;
}

/** Opens a live socket as a browser would: `carryover.v1` plus `bearer.<token>`. */
export async function openLive(conversationId: string, token: string, after?: number): Promise<LiveClient> {
  const res = await liveResponse(conversationId, ["carryover.v1", `bearer.${token}`], after === undefined ? "" : `?after=${after}`);
  if (res.status !== 101 || !res.webSocket) throw new Error(`live upgrade failed: ${res.status} ${await res.text()}`);
  if (res.headers.get("sec-websocket-protocol") !== "carryover.v1") throw new Error("the server did not answer carryover.v1");
  return new LiveClient(res.webSocket);
}

/** Opens a live socket and reads its replay up to `ready`. */
export async function openReady(conversationId: string, token: string, after?: number): Promise<LiveClient> {
  const client = await openLive(conversationId, token, after);
  await client.replay();
  return client;
}

export function text(content: string): { type: "text"; text: string } {
  return { type: "text", text: content };
}

/** The Send API with the demo bot key. */
export function botSend(conversationId: string, clientId: string, body: string): Promise<Response> {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token: BOT_KEY,
    json: { clientId, content: text(body), sender: { role: "bot", id: "test-bot" } },
  });
}
