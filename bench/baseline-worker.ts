// Bench only (see wrangler.baseline.toml): the cheapest possible round trip
// Worker → Durable Object → Worker over HTTP, with the same request shape as
// a message append (POST, JSON body in, JSON out, DO addressed by name), so
// the bench can report every endpoint as a ratio to this floor.
import { DurableObject } from "cloudflare:workers";
import { relayLive } from "../src/http/live-relay";

interface Env {
  NOOP: DurableObjectNamespace<Noop>;
  /** The floor of live fan-out: a room that relays each message to every other socket. */
  ROOM: DurableObjectNamespace<Room>;
  /** The floor of an upload: the request body streamed into R2 as it is. */
  BUCKET: R2Bucket;
}

export class Noop extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  /** Does nothing and answers at once: the cost is the RPC round trip alone. */
  async noop(body: unknown): Promise<{ ok: true; size: number }> {
    return { ok: true, size: JSON.stringify(body).length };
  }

  /** One SQLite insert, committed before the answer leaves (the output gate): the floor of any durable write. */
  async write(body: unknown): Promise<{ ok: true; seq: number }> {
    const row = this.ctx.storage.sql
      .exec<{ seq: number }>("INSERT INTO log (body) VALUES (?) RETURNING seq", JSON.stringify(body))
      .one();
    return { ok: true, seq: row.seq };
  }
}

/**
 * The floor of a chat room on this runtime: hibernatable sockets, no storage,
 * no validation; each text message goes as it is to every other socket.
 */
export class Room extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(from: WebSocket, message: string | ArrayBuffer): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) {
      if (ws !== from) ws.send(message);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, "bye");
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const room = /^\/room\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (room && request.headers.get("upgrade") === "websocket") {
      const answer = await env.ROOM.getByName(room[1]!).fetch(request);
      // ?relay=1: the same room behind Carryover's own Worker relay (src/http/live-relay.ts), to price the relay alone.
      if (url.searchParams.get("relay") !== "1" || !answer.webSocket) return answer;
      return new Response(null, { status: 101, webSocket: relayLive(answer.webSocket) });
    }
    const put = /^\/r2\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (put && request.method === "PUT" && request.body) {
      // A plain put of a body with a known length: no checks, no hashing, no records.
      const object = await env.BUCKET.put(put[1]!, request.body);
      return Response.json({ ok: true, size: object?.size ?? 0 }, { status: 201 });
    }
    const match = /^\/(noop|write)\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (request.method !== "POST" || !match) return new Response("not found", { status: 404 });
    const body: unknown = await request.json();
    const stub = env.NOOP.getByName(match[2] ?? "one");
    const answer = match[1] === "write" ? await stub.write(body) : await stub.noop(body);
    return Response.json(answer, { status: 201 });
  },
} satisfies ExportedHandler<Env>;
