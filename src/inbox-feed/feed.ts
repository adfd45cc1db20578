// The InboxFeed Durable Object: the inbox live feed (GET /v1/inbox/live) of
// one tenant, in two parts. A shard (`<tenant>:shard:<k>`) receives the
// directory rows of its conversations from their Conversation DOs, keeps the
// newest of each, and every INBOX_FLUSH_MS sends them as one batch to the
// hub. The hub (`<tenant>:hub`) holds the tenant's inbox sockets (hibernation)
// and sends each row to each of them. So the hub takes at most
// INBOX_SHARDS × 1000 / INBOX_FLUSH_MS calls a second, however busy the tenant.
// A shard also writes its conversations' directory rows to D1 (`record`): all
// the writes of one flush interval in one D1 batch, before their rows go to
// the hub — so rows reach sockets only after D1 has them. While the hub has no
// inbox socket open (its answer to a batch says so), a shard sends it no
// batches, until the hub, opening a socket, tells every shard to (`listen`)
// before the socket is ready: a row a shard did not send was in D1 before
// that, so the client's first page after `ready` has it. Only a socket opened
// while some shard may be quiet does that (shardsMayBeQuiet).
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { DirectoryRow } from "../protocol/directory";
import { inboxOpeningOf } from "../protocol/socket-opening";
import { answerClose } from "../protocol/close-frame";
import { CloseCode } from "../protocol/wire";
import { hubName, INBOX_FLUSH_MS, INBOX_SHARDS, shardNameAt } from "./names";
import { upsertDirectories, type DirectoryWrite } from "../directory/conversation-index";
import { DirectoryWrites } from "./directory-writes";

export class InboxFeed extends DurableObject<Env> {
  /** Shard: rows waiting for the next batch, newest version per conversation. */
  private readonly pending = new Map<string, DirectoryRow>();
  private flushing: Promise<void> | null = null;
  /** Shard: directory writes waiting for the next D1 batch. */
  private readonly writes: DirectoryWrites;
  /** Hub: the highest version sent per conversation (in memory; a late batch never sends an older row). */
  private readonly sent = new Map<string, number>();
  /** Shard: false once the hub answered that no inbox socket is open (it is not sent batches); true again on `listen`. */
  private hubListens = true;
  /** Shard: bumped by every `listen`, so a "no socket" answer that crossed one is not believed. */
  private listens = 0;
  /** Hub: sockets being opened (their shards being told): a batch meanwhile is answered "listening". */
  private opening = 0;
  /**
   * Hub: whether a shard may have been answered "no socket" (and so sends
   * nothing until `listen`). Unknown after a wake-up, hence true; false once
   * every shard was told while a socket opened, until the next such answer. A
   * socket opened while others are open wakes no shard.
   */
  private shardsMayBeQuiet = true;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.writes = new DirectoryWrites((writes) => upsertDirectories(env.DB, writes));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /**
   * Shard: writes a conversation's directory row and new message text to D1,
   * in one batch with the other writes that reach this shard within
   * INBOX_FLUSH_MS, then sends the row to the hub. Resolves once D1 has it;
   * throws if that batch failed (the Conversation DO retries by its alarm).
   */
  async record(write: DirectoryWrite): Promise<void> {
    const written = this.writes.add(write);
    this.startFlush(write.entry.tenant);
    await written;
  }

  private queueRow(row: DirectoryRow): void {
    const waiting = this.pending.get(row.id);
    if (!waiting || waiting.version < row.version) this.pending.set(row.id, row);
  }

  private startFlush(tenant: string): void {
    this.flushing ??= this.flush(tenant).finally(() => {
      this.flushing = null;
    });
  }

  private async flush(tenant: string): Promise<void> {
    while (this.pending.size > 0 || this.writes.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, INBOX_FLUSH_MS));
      // D1 first: a row reaches the sockets only once D1 has it.
      while (this.writes.size > 0) {
        for (const { tenant: _, ...row } of await this.writes.flushOnce()) this.queueRow(row);
      }
      if (this.pending.size === 0) continue;
      const rows = [...this.pending.values()];
      this.pending.clear();
      if (!this.hubListens) continue;
      const listens = this.listens;
      try {
        if (!(await this.env.INBOX.getByName(hubName(tenant)).deliver(rows)) && listens === this.listens) this.hubListens = false;
      } catch (err) {
        // The feed tells clients to page with HTTP; a lost batch is caught up by their next page.
        console.error("inbox batch to the hub failed", err);
      }
    }
  }

  /** Shard: the hub is opening an inbox socket: send it every batch again. */
  async listen(): Promise<void> {
    this.listens++;
    this.hubListens = true;
  }

  /**
   * Hub: sends each row to every inbox socket, unless a newer version of it
   * was sent already. Answers whether a socket is open (or opening): while
   * none is, the shard sends no more batches.
   */
  async deliver(rows: DirectoryRow[]): Promise<boolean> {
    const sockets = this.ctx.getWebSockets();
    const frames: string[] = [];
    for (const row of rows) {
      if ((this.sent.get(row.id) ?? 0) >= row.version) continue;
      this.sent.set(row.id, row.version);
      // No inbox open (the common case for a tenant without agents online): nothing to encode.
      if (sockets.length > 0) frames.push(JSON.stringify({ type: "conversation", conversation: row }));
    }
    if (this.sent.size > 50_000) this.sent.clear();
    if (frames.length === 0) {
      const listening = sockets.length > 0 || this.opening > 0;
      if (!listening) this.shardsMayBeQuiet = true;
      return listening;
    }
    for (const ws of sockets) {
      try {
        for (const frame of frames) ws.send(frame);
      } catch {
        // A socket that cannot take frames is closing; the others go on.
      }
    }
    return true;
  }

  /** Hub: opens an inbox socket (the Worker proved the caller). */
  override async fetch(request: Request): Promise<Response> {
    const opening = inboxOpeningOf(request);
    if (!opening) return new Response(null, { status: 400 });
    this.opening++;
    try {
      // While opening, every batch is answered "listening": no shard can go quiet before this socket is ready.
      if (this.shardsMayBeQuiet) {
        await Promise.all(Array.from({ length: INBOX_SHARDS }, (_, k) => this.env.INBOX.getByName(shardNameAt(opening.tenant, k)).listen()));
        this.shardsMayBeQuiet = false;
      }
    } finally {
      this.opening--;
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const tags = opening.agentSession ? [`agent-session:${opening.agentSession}`] : [];
    this.ctx.acceptWebSocket(server, tags);
    server.serializeAttachment(opening);
    server.send(JSON.stringify({ type: "ready", cursor: 0 }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // The feed is one-way; anything but a ping (answered without waking us when byte-exact) is an error.
    if (typeof message === "string" && /^\s*\{\s*"type"\s*:\s*"ping"\s*\}\s*$/.test(message)) {
      ws.send('{"type":"pong"}');
      return;
    }
    ws.send(JSON.stringify({ type: "error", code: "invalid_request", message: "the inbox feed takes only ping frames" }));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
    // The client's close frame is answered here (the socket is the client's own): an unsendable one with 1002.
    answerClose(ws, code, reason, wasClean);
  }

  /** Hub: closes the inbox sockets of a signed-out agent session with 4008. */
  async disconnectAgentSession(sessionId: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets(`agent-session:${sessionId}`)) {
      try {
        ws.close(CloseCode.revoked, "token_revoked");
      } catch {
        // Already closed.
      }
    }
  }
}
