// The live protocol over a real server (wrangler dev, a real HTTP upgrade) with
// a standard WebSocket client, as a browser would use it: subprotocol
// negotiation, close codes on the wire, and resume after a server restart.
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { useLocalServer } from "../support/use-server.ts";

const DEMO_SECRET = "demo-identity-secret-change-me-0123456789";
const BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";

const server = useLocalServer();

interface Frame {
  type: string;
  [key: string]: unknown;
}

async function session(userId: string): Promise<{ sessionToken: string; deviceId: string }> {
  const now = Math.floor(Date.now() / 1000);
  const identityToken = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("demo")
    .setAudience("carryover")
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(DEMO_SECRET));
  const res = await fetch(`${server().url}/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "demo", identityToken }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { sessionToken: string; deviceId: string };
}

async function conversation(token: string): Promise<string> {
  const res = await fetch(`${server().url}/v1/conversations`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { conversation: { id: string } }).conversation.id;
}

/** A browser-style socket with its frames kept in order. */
class Socket {
  readonly frames: Frame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  constructor(id: string, token: string, after?: number) {
    const url = `${server().url.replace("http", "ws")}/v1/conversations/${id}/live${after === undefined ? "" : `?after=${after}`}`;
    this.ws = new WebSocket(url, ["carryover.v1", `bearer.${token}`]);
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve());
      this.ws.addEventListener("error", () => reject(new Error("socket error")));
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.addEventListener("close", (e) => {
        resolve({ code: e.code, reason: e.reason });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
    this.ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(String(e.data)) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async until(match: (f: Frame) => boolean): Promise<Frame> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }
}

const text = (t: string) => ({ type: "text", text: t });

describe("live over a real server", () => {
  it("negotiates carryover.v1, fans out, and closes with the contract's codes", async () => {
    const user = `wire-${crypto.randomUUID()}`;
    const phone = await session(user);
    const laptop = await session(user);
    const id = await conversation(phone.sessionToken);

    const a = new Socket(id, phone.sessionToken);
    const b = new Socket(id, laptop.sessionToken);
    await a.opened;
    expect(a.ws.protocol).toBe("carryover.v1");
    await a.until((f) => f.type === "ready");
    await b.until((f) => f.type === "ready");

    a.send({ type: "send", clientId: "w1", content: text("over the wire") });
    expect(await a.until((f) => f.type === "ack")).toMatchObject({ clientId: "w1", seq: 1 });
    expect(await b.until((f) => f.type === "event")).toMatchObject({ event: { seq: 1, clientId: "w1" } });

    a.send('{"type":"ping"}');
    expect(await a.until((f) => f.type === "pong")).toEqual({ type: "pong" });

    const badToken = new Socket(id, "nope");
    expect(await badToken.closed).toEqual({ code: 4001, reason: "invalid_token" });
    expect(badToken.frames).toEqual([]);

    const stranger = await session(`wire-${crypto.randomUUID()}`);
    expect(await new Socket(id, stranger.sessionToken).closed).toEqual({ code: 4003, reason: "not_found" });

    b.send({ type: "send", clientId: "big", content: text("x".repeat(70_000)) });
    expect(await b.closed).toEqual({ code: 4009, reason: "payload_too_large" });
    a.ws.close(1000);
    await a.closed;
  });

  it("resumes after a server restart with exactly the events that were missed", async () => {
    const user = `wire-${crypto.randomUUID()}`;
    const phone = await session(user);
    const id = await conversation(phone.sessionToken);
    const a = new Socket(id, phone.sessionToken);
    await a.until((f) => f.type === "ready");
    a.send({ type: "send", clientId: "r1", content: text("before the crash") });
    const lastSeen = (await a.until((f) => f.type === "ack")).seq as number;

    await server().restart();
    const gone = await a.closed;
    expect([4001, 4003, 4008, 4009]).not.toContain(gone.code);

    for (let i = 1; i <= 5; i++) {
      const res = await fetch(`${server().url}/v1/conversations/${id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${BOT_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ clientId: `missed-${i}`, content: text(`missed ${i}`), sender: { role: "bot", id: "b" } }),
      });
      expect(res.status).toBe(201);
    }
    const again = new Socket(id, phone.sessionToken, lastSeen);
    const ready = await again.until((f) => f.type === "ready");
    const events = again.frames.filter((f) => f.type === "event").map((f) => (f.event as { seq: number }).seq);
    expect(events).toEqual([2, 3, 4, 5, 6]);
    expect(ready).toEqual({ type: "ready", cursor: 6 });
    again.ws.close(1000);
    await again.closed;
  });
});
