// The fault soak: customer devices of a few people and a bot write into shared
// conversations over HTTP and the live socket while the harness drops
// sockets, aborts requests mid-way, retries with the same clientId and
// restarts the whole runtime on its persisted storage. Afterwards every send
// is retried until acknowledged, every device resyncs, and every device's log
// must equal the server's: each acknowledged message exactly once, at the seq
// it was acknowledged with, in order, without gaps.
import { startServer, type LocalServer } from "../test/support/server.ts";
import {
  DEMO,
  HttpError,
  eventsPage,
  inBatches,
  openConversation,
  openSession,
  type Session,
  type WireEvent,
} from "./lib/carryover.ts";
import { liveAvailable, openLive, parseFrame } from "./lib/live.ts";
import { ensureAssetsBuilt } from "./lib/project.ts";

export interface SoakOptions {
  /** Customer devices in all (default 20). */
  devices?: number;
  /** Devices per person; each person's devices share that person's conversation (default 4). */
  devicesPerUser?: number;
  /** Length of the chaos phase (default 60). */
  seconds?: number;
  /** Runtime restarts, spread over the chaos phase (default 2). */
  restarts?: number;
  /** At most this many distinct messages; writers then only retry (default 50,000). */
  maxMessages?: number;
  /** Whether the bot key writes into every conversation too (default true). */
  bot?: boolean;
  /** Seed of the chaos decisions (timing still varies run to run). */
  seed?: number;
  /** A server to use; by default one is started (and stopped) on a temp dir. */
  server?: LocalServer;
  /** Extra vars for the server the soak starts (e.g. higher rate limits). */
  vars?: Record<string, string>;
  log?: (line: string) => void;
}

export interface SoakReport {
  ok: boolean;
  live: boolean;
  seconds: number;
  users: number;
  devices: number;
  conversations: number;
  /** Distinct messages (clientIds) the harness sent. */
  sent: number;
  /** Send attempts over HTTP and the socket, first tries and retries. */
  attempts: number;
  httpAttempts: number;
  socketAttempts: number;
  /** Messages acknowledged (HTTP 200/201 or socket ack), in the end. */
  acked: number;
  /** Messages still unacknowledged when the chaos phase ended. */
  unknownAtQuiet: number;
  /** Attempts beyond the first one of each message (same clientId). */
  retried: number;
  /** Requests the harness aborted with a short timeout. */
  aborted: number;
  /** Attempts that failed otherwise (connection refused/reset, 5xx, socket closed before the ack). */
  failedAttempts: number;
  /** Sockets the harness dropped on purpose, and all socket closes seen. */
  socketDrops: number;
  socketCloses: number;
  restarts: number;
  /** Events seen by devices live on their sockets, and fetched by the final resync. */
  receivedLive: number;
  receivedResync: number;
  serverEvents: number;
  lost: number;
  duplicated: number;
  /** Seq gaps in the server's log, or on one socket connection. */
  gaps: number;
  /** Device log entries that differ from the server's, or acks that disagree with it. */
  mismatches: number;
  /** A message acknowledged before another one was first sent got a later seq. */
  orderViolations: number;
  unacked: number;
  problems: string[];
}

// --------------------------------------------------------------------------
// Deterministic chaos decisions.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// --------------------------------------------------------------------------
// Book-keeping.

interface Ack {
  seq: number;
  eventId: string;
}

interface SendRecord {
  clientId: string;
  text: string;
  conversationId: string;
  /** The idempotency scope: "customer" or "bot:<id>" (event-store.ts). */
  senderKey: string;
  sender: string;
  attempts: number;
  ack: Ack | null;
  firstAttemptAt: number;
  ackedAt: number;
  inFlight: boolean;
}

interface Counters {
  attempts: number;
  httpAttempts: number;
  socketAttempts: number;
  aborted: number;
  failedAttempts: number;
  socketDrops: number;
  socketCloses: number;
  receivedLive: number;
  receivedResync: number;
  restarts: number;
}

class Problems {
  readonly list: string[] = [];
  lost = 0;
  duplicated = 0;
  gaps = 0;
  mismatches = 0;
  orderViolations = 0;

  add(kind: "lost" | "duplicated" | "gaps" | "mismatches" | "orderViolations" | null, message: string): void {
    if (kind) this[kind]++;
    if (this.list.length < 50) this.list.push(message);
  }
}

interface Ctx {
  url: string;
  rand: () => number;
  counters: Counters;
  problems: Problems;
  sends: Map<string, SendRecord>;
  stopping: boolean;
  live: boolean;
  maxMessages: number;
  log: (line: string) => void;
}

function recordAck(ctx: Ctx, send: SendRecord, ack: Ack): void {
  if (send.ack === null) {
    send.ack = ack;
    send.ackedAt = performance.now();
    return;
  }
  if (send.ack.seq !== ack.seq || send.ack.eventId !== ack.eventId) {
    ctx.problems.add(
      "duplicated",
      `${send.clientId} acknowledged twice differently: seq ${send.ack.seq}/${send.ack.eventId} then ${ack.seq}/${ack.eventId}`,
    );
  }
}

// --------------------------------------------------------------------------
// HTTP sends with random aborts.

type Outcome = "acked" | "unknown";

async function sendOverHttp(ctx: Ctx, send: SendRecord, token: string, business: boolean, chaos: boolean): Promise<Outcome | "expired"> {
  const controller = new AbortController();
  const abortEarly = chaos && ctx.rand() < 0.25;
  const timer = setTimeout(() => controller.abort(), abortEarly ? 1 + Math.floor(ctx.rand() * 40) : 15_000);
  ctx.counters.attempts++;
  ctx.counters.httpAttempts++;
  send.attempts++;
  try {
    const res = await fetch(`${ctx.url}/v1/conversations/${send.conversationId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        clientId: send.clientId,
        content: { type: "text", text: send.text },
        ...(business ? { sender: { role: "bot", id: send.sender } } : {}),
      }),
      signal: controller.signal,
    });
    const text = await res.text();
    if (res.status === 200 || res.status === 201) {
      const event = (JSON.parse(text) as { event: WireEvent }).event;
      if (event.clientId !== send.clientId || event.content?.text !== send.text) {
        ctx.problems.add("mismatches", `HTTP ack for ${send.clientId} carries another message: ${text.slice(0, 200)}`);
      }
      recordAck(ctx, send, { seq: event.seq, eventId: event.id });
      return "acked";
    }
    if (res.status === 401) return "expired";
    if (res.status === 409 || res.status === 400 || res.status === 404) {
      ctx.problems.add("mismatches", `send ${send.clientId} refused: ${res.status} ${text.slice(0, 200)}`);
    }
    if (res.status === 429) await sleep(Number(res.headers.get("retry-after") ?? "1") * 1000);
    ctx.counters.failedAttempts++;
    return "unknown";
  } catch {
    if (controller.signal.aborted && abortEarly) ctx.counters.aborted++;
    else ctx.counters.failedAttempts++;
    return "unknown";
  } finally {
    clearTimeout(timer);
  }
}

// --------------------------------------------------------------------------
// A customer device: a session, a live socket (or polling), a writer.

interface Connection {
  ws: WebSocket;
  /** Highest seq this connection has delivered in order (events or acks). */
  last: number;
  ackedSeqs: Set<number>;
  waiters: Map<string, (ack: Ack | null) => void>;
  ready: boolean;
}

class Device {
  readonly name: string;
  readonly userId: string;
  session!: Session;
  conversationId = "";
  /** What this device holds: seq → event (from its socket, its acks, the resync). */
  readonly log = new Map<number, { id: string; clientId?: string; text?: string }>();
  /** All of 1..contiguous are in the log. */
  contiguous = 0;
  conn: Connection | null = null;
  /** This device's messages not acknowledged yet. */
  readonly unacked = new Set<SendRecord>();
  private counter = 0;
  private readonly ctx: Ctx;

  constructor(ctx: Ctx, name: string, userId: string) {
    this.ctx = ctx;
    this.name = name;
    this.userId = userId;
  }

  async start(): Promise<void> {
    this.session = await openSession(this.ctx.url, this.userId);
    this.conversationId = await openConversation(this.ctx.url, this.session.sessionToken);
  }

  /** A new session for the same device (after a 401). */
  async renew(): Promise<void> {
    try {
      this.session = await openSession(this.ctx.url, this.userId, this.session.deviceId);
    } catch {
      // the runtime may be down; the next attempt renews again
    }
  }

  hold(event: { seq: number; id: string; clientId?: string; text?: string }, source: string): void {
    const held = this.log.get(event.seq);
    if (held) {
      if (held.id !== event.id) {
        this.ctx.problems.add("mismatches", `${this.name}: seq ${event.seq} was ${held.id}, ${source} says ${event.id}`);
      }
      return;
    }
    this.log.set(event.seq, event);
    while (this.log.has(this.contiguous + 1)) this.contiguous++;
  }

  // ---- the live socket

  async reader(): Promise<void> {
    let backoff = 50;
    while (!this.ctx.stopping) {
      try {
        await this.connect();
        backoff = 50;
        const conn = this.conn;
        // Stay connected until the socket closes or the harness drops it.
        const dropAfter = 500 + this.ctx.rand() * 4000;
        const closed = new Promise<void>((r) => conn?.ws.addEventListener("close", () => r()));
        const dropped = await Promise.race([closed.then(() => false), sleep(dropAfter).then(() => true)]);
        if (dropped && !this.ctx.stopping && conn && conn.ws.readyState === WebSocket.OPEN) {
          this.ctx.counters.socketDrops++;
          conn.ws.close(3000, "soak drop");
          await closed;
        }
        await sleep(this.ctx.rand() * 300);
      } catch {
        await sleep(backoff);
        backoff = Math.min(1000, backoff * 2);
      }
    }
  }

  private connect(): Promise<void> {
    const after = this.contiguous;
    const ws = openLive(this.ctx.url, this.session.sessionToken, this.conversationId, after);
    const conn: Connection = { ws, last: after, ackedSeqs: new Set(), waiters: new Map(), ready: false };
    return new Promise<void>((resolve, reject) => {
      ws.addEventListener("message", (m) => this.onFrame(conn, m.data, resolve));
      ws.addEventListener("close", (e) => {
        this.ctx.counters.socketCloses++;
        if (this.conn === conn) this.conn = null;
        for (const waiter of conn.waiters.values()) waiter(null);
        conn.waiters.clear();
        if (e.code === 4001 || e.code === 4008) void this.renew();
        reject(new Error(`closed ${e.code}`));
      });
      this.conn = conn;
    });
  }

  private onFrame(conn: Connection, data: unknown, onReady: () => void): void {
    const frame = parseFrame(data);
    if (!frame) {
      this.ctx.problems.add(null, `${this.name}: unparseable frame ${String(data).slice(0, 100)}`);
      return;
    }
    const advance = () => {
      while (conn.ackedSeqs.has(conn.last + 1)) conn.last++;
    };
    if (frame.type === "event") {
      const event = frame.event as WireEvent;
      advance();
      if (event.seq === conn.last + 1) {
        conn.last = event.seq;
        advance();
      } else if (event.seq <= conn.last) {
        // Only the echo of this device's own acknowledged send may come again.
        const held = this.log.get(event.seq);
        if (!(conn.ackedSeqs.has(event.seq) && held?.id === event.id)) {
          this.ctx.problems.add("duplicated", `${this.name}: seq ${event.seq} delivered twice on one connection (at ${conn.last})`);
        }
      } else {
        this.ctx.problems.add("gaps", `${this.name}: socket jumped from seq ${conn.last} to ${event.seq}`);
        conn.last = event.seq;
      }
      this.ctx.counters.receivedLive++;
      this.hold({ seq: event.seq, id: event.id, ...textOf(event) }, "socket");
    } else if (frame.type === "ack") {
      const ack = { seq: Number(frame.seq), eventId: String(frame.eventId) };
      const clientId = String(frame.clientId);
      conn.ackedSeqs.add(ack.seq);
      advance();
      const send = this.ctx.sends.get(`customer:${this.conversationId}:${clientId}`);
      if (send) {
        recordAck(this.ctx, send, ack);
        this.hold({ seq: ack.seq, id: ack.eventId, clientId, text: send.text }, "ack");
      }
      conn.waiters.get(clientId)?.(ack);
      conn.waiters.delete(clientId);
    } else if (frame.type === "error") {
      const clientId = typeof frame.clientId === "string" ? frame.clientId : undefined;
      if (clientId) {
        conn.waiters.get(clientId)?.(null);
        conn.waiters.delete(clientId);
      }
      if (frame.code !== "rate_limited") this.ctx.problems.add(null, `${this.name}: error frame ${JSON.stringify(frame).slice(0, 200)}`);
    } else if (frame.type === "ready") {
      conn.ready = true;
      onReady();
    }
  }

  // ---- HTTP polling, when the server has no live endpoint

  async poller(): Promise<void> {
    while (!this.ctx.stopping) {
      await this.pull(true).catch(() => undefined);
      await sleep(200 + this.ctx.rand() * 600);
    }
  }

  /** Fetches every event after `contiguous` over HTTP; aborts at random when `chaos`. */
  async pull(chaos: boolean): Promise<void> {
    for (;;) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), chaos && this.ctx.rand() < 0.2 ? 1 + this.ctx.rand() * 30 : 15_000);
      try {
        const after = this.contiguous;
        const page = await eventsPage(this.ctx.url, this.session.sessionToken, this.conversationId, after, 500, controller.signal);
        let expected = after + 1;
        for (const event of page.events) {
          if (event.seq !== expected) this.ctx.problems.add("gaps", `${this.name}: page jumped to seq ${event.seq}, expected ${expected}`);
          expected = event.seq + 1;
          if (!this.log.has(event.seq)) this.ctx.counters.receivedResync++;
          this.hold({ seq: event.seq, id: event.id, ...textOf(event) }, "resync");
        }
        if (!page.hasMore) return;
      } catch (err) {
        if (err instanceof HttpError && err.status === 401) await this.renew();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  // ---- the writer

  async writer(): Promise<void> {
    while (!this.ctx.stopping) {
      const send = this.nextSend();
      if (!send) {
        await sleep(100);
        continue;
      }
      send.inFlight = true;
      try {
        const useSocket = this.ctx.live && this.conn?.ready === true && this.ctx.rand() < 0.5;
        const outcome = useSocket ? await this.sendOverSocket(send) : await sendOverHttp(this.ctx, send, this.session.sessionToken, false, true);
        if (outcome === "expired") await this.renew();
        if (outcome === "acked" && send.ack) this.hold({ seq: send.ack.seq, id: send.ack.eventId, clientId: send.clientId, text: send.text }, "ack");
      } finally {
        send.inFlight = false;
        if (send.ack) this.unacked.delete(send);
      }
      await sleep(20 + this.ctx.rand() * 130);
    }
  }

  /** Retries an unacknowledged message now and then; otherwise a new one. */
  private nextSend(): SendRecord | null {
    const capped = this.ctx.sends.size >= this.ctx.maxMessages;
    if (capped || this.ctx.rand() < 0.3) {
      for (const send of this.unacked) {
        if (send.ack === null && !send.inFlight) return send;
      }
    }
    if (capped) return null;
    const clientId = `${this.name}-${++this.counter}`;
    const send: SendRecord = {
      clientId,
      text: `${this.name} message ${this.counter}`,
      conversationId: this.conversationId,
      senderKey: "customer",
      sender: this.name,
      attempts: 0,
      ack: null,
      firstAttemptAt: performance.now(),
      ackedAt: 0,
      inFlight: false,
    };
    this.ctx.sends.set(`customer:${this.conversationId}:${clientId}`, send);
    this.unacked.add(send);
    return send;
  }

  private async sendOverSocket(send: SendRecord): Promise<Outcome> {
    const conn = this.conn;
    if (!conn) return "unknown";
    this.ctx.counters.attempts++;
    this.ctx.counters.socketAttempts++;
    send.attempts++;
    const ack = new Promise<Ack | null>((resolve) => {
      conn.waiters.set(send.clientId, resolve);
      setTimeout(() => resolve(null), 5_000);
    });
    try {
      conn.ws.send(JSON.stringify({ type: "send", clientId: send.clientId, content: { type: "text", text: send.text } }));
      if (this.ctx.rand() < 0.1) {
        // Drop the socket with the send in flight: the ack is lost, the outcome unknown.
        this.ctx.counters.socketDrops++;
        this.ctx.counters.aborted++;
        conn.ws.close(3000, "soak drop mid-send");
      }
    } catch {
      conn.waiters.delete(send.clientId);
      this.ctx.counters.failedAttempts++;
      return "unknown";
    }
    const answer = await ack;
    conn.waiters.delete(send.clientId);
    if (answer === null) {
      this.ctx.counters.failedAttempts++;
      return "unknown";
    }
    return "acked";
  }
}

function textOf(event: WireEvent): { clientId?: string; text?: string } {
  return {
    ...(event.clientId !== undefined ? { clientId: event.clientId } : {}),
    ...(event.content?.text !== undefined ? { text: event.content.text } : {}),
  };
}

// --------------------------------------------------------------------------
// The bot: the tenant's API key writing into every conversation.

async function botWriter(ctx: Ctx, conversations: string[]): Promise<void> {
  let n = 0;
  const unacked = new Set<SendRecord>();
  while (!ctx.stopping) {
    let send: SendRecord | undefined;
    if (ctx.rand() < 0.3) {
      for (const s of unacked) {
        if (s.ack === null && !s.inFlight) {
          send = s;
          break;
        }
      }
    }
    if (!send && ctx.sends.size >= ctx.maxMessages) {
      await sleep(100);
      continue;
    }
    if (!send) {
      n++;
      const conversationId = conversations[n % conversations.length]!;
      send = {
        clientId: `bot-${n}`,
        text: `bot message ${n}`,
        conversationId,
        senderKey: "bot:soak-bot",
        sender: "soak-bot",
        attempts: 0,
        ack: null,
        firstAttemptAt: performance.now(),
        ackedAt: 0,
        inFlight: false,
      };
      ctx.sends.set(`bot:${conversationId}:${send.clientId}`, send);
      unacked.add(send);
    }
    send.inFlight = true;
    await sendOverHttp(ctx, send, DEMO.botKey, true, true);
    send.inFlight = false;
    if (send.ack) unacked.delete(send);
    await sleep(20 + ctx.rand() * 100);
  }
}

// --------------------------------------------------------------------------
// The run.

export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const deviceCount = options.devices ?? 20;
  const perUser = options.devicesPerUser ?? 4;
  const seconds = options.seconds ?? 60;
  const restarts = options.restarts ?? 2;
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 1;
  const t0 = performance.now();

  let server = options.server;
  const owned = server === undefined;
  if (!server) {
    ensureAssetsBuilt(log);
    server = await startServer(options.vars ? { vars: options.vars } : {});
  }
  const ctx: Ctx = {
    url: server.url,
    rand: mulberry32(seed),
    counters: {
      attempts: 0,
      httpAttempts: 0,
      socketAttempts: 0,
      aborted: 0,
      failedAttempts: 0,
      socketDrops: 0,
      socketCloses: 0,
      receivedLive: 0,
      receivedResync: 0,
      restarts: 0,
    },
    problems: new Problems(),
    sends: new Map(),
    stopping: false,
    live: false,
    maxMessages: options.maxMessages ?? 50_000,
    log,
  };

  try {
    // Setup: people, their devices, their conversations.
    const run = Date.now().toString(36);
    const users = Math.ceil(deviceCount / perUser);
    const devices = Array.from({ length: deviceCount }, (_, i) => new Device(ctx, `u${i % users}d${Math.floor(i / users)}`, `soak-${run}-u${i % users}`));
    await inBatches(devices, 4, (d) => d.start());
    const conversations = [...new Set(devices.map((d) => d.conversationId))];
    if (conversations.length !== users) throw new Error(`expected ${users} conversations, devices share ${conversations.length}`);
    ctx.live = await liveAvailable(ctx.url, devices[0]!.session.sessionToken, devices[0]!.conversationId);
    log(`${users} ${users === 1 ? "person" : "people"} × ${perUser} devices, ${conversations.length} conversations, live socket: ${ctx.live ? "yes" : "no (HTTP polling)"}`);

    // Chaos.
    const actors: Promise<void>[] = [];
    for (const device of devices) {
      actors.push(device.writer());
      actors.push(ctx.live ? device.reader() : device.poller());
    }
    if (options.bot ?? true) actors.push(botWriter(ctx, conversations));
    const chaosMs = seconds * 1000;
    const chaosStart = performance.now();
    for (let k = 1; k <= restarts; k++) {
      const at = chaosStart + (chaosMs * k) / (restarts + 1);
      await sleep(Math.max(0, at - performance.now()));
      log(`restart ${k}/${restarts} (${ctx.sends.size} messages so far)`);
      await server.restart();
      ctx.counters.restarts++;
    }
    await sleep(Math.max(0, chaosStart + chaosMs - performance.now()));
    ctx.stopping = true;
    log("quiet: waiting for actors");
    await Promise.all(actors);
    const unknownAtQuiet = [...ctx.sends.values()].filter((s) => s.ack === null).length;

    // Quiet: retry every unacknowledged message until acknowledged.
    log(`quiet: retrying ${unknownAtQuiet} unacknowledged messages`);
    const tokenOf = new Map(devices.map((d) => [d.name, d]));
    const deadline = performance.now() + 60_000;
    for (;;) {
      const open = [...ctx.sends.values()].filter((s) => s.ack === null);
      if (open.length === 0 || performance.now() > deadline) break;
      await inBatches(open, 8, async (send) => {
        const device = tokenOf.get(send.sender);
        const outcome = await sendOverHttp(ctx, send, device ? device.session.sessionToken : DEMO.botKey, !device, false);
        if (outcome === "expired" && device) await device.renew();
        if (send.ack && device) device.hold({ seq: send.ack.seq, id: send.ack.eventId, clientId: send.clientId, text: send.text }, "ack");
      });
      await sleep(100);
    }

    // Final resync of every device, then close the sockets.
    log("quiet: final resync of every device");
    await inBatches(devices, 4, async (device) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await device.pull(false);
          return;
        } catch (err) {
          if (attempt >= 10) throw err;
          await sleep(200);
        }
      }
    });
    for (const device of devices) device.conn?.ws.close();

    // The server's truth, read with the tenant's key.
    const serverLogs = new Map<string, WireEvent[]>();
    for (const conversation of conversations) {
      const all: WireEvent[] = [];
      let cursor = 0;
      for (;;) {
        const page = await eventsPage(ctx.url, DEMO.botKey, conversation, cursor, 500);
        all.push(...page.events);
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      serverLogs.set(conversation, all);
    }
    verify(ctx, devices, serverLogs);

    const sends = [...ctx.sends.values()];
    const problems = ctx.problems;
    const unacked = sends.filter((s) => s.ack === null).length;
    const report: SoakReport = {
      ok: false,
      live: ctx.live,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      users,
      devices: deviceCount,
      conversations: conversations.length,
      sent: sends.length,
      attempts: ctx.counters.attempts,
      httpAttempts: ctx.counters.httpAttempts,
      socketAttempts: ctx.counters.socketAttempts,
      acked: sends.length - unacked,
      unknownAtQuiet,
      retried: sends.reduce((n, s) => n + Math.max(0, s.attempts - 1), 0),
      aborted: ctx.counters.aborted,
      failedAttempts: ctx.counters.failedAttempts,
      socketDrops: ctx.counters.socketDrops,
      socketCloses: ctx.counters.socketCloses,
      restarts: ctx.counters.restarts,
      receivedLive: ctx.counters.receivedLive,
      receivedResync: ctx.counters.receivedResync,
      serverEvents: [...serverLogs.values()].reduce((n, l) => n + l.length, 0),
      lost: problems.lost,
      duplicated: problems.duplicated,
      gaps: problems.gaps,
      mismatches: problems.mismatches,
      orderViolations: problems.orderViolations,
      unacked,
      problems: problems.list,
    };
    report.ok =
      report.lost === 0 &&
      report.duplicated === 0 &&
      report.gaps === 0 &&
      report.mismatches === 0 &&
      report.orderViolations === 0 &&
      report.unacked === 0 &&
      report.problems.length === 0 &&
      report.sent > 0;
    return report;
  } finally {
    ctx.stopping = true;
    if (owned) await server.stop();
  }
}

// --------------------------------------------------------------------------
// The checks.

function verify(ctx: Ctx, devices: Device[], serverLogs: Map<string, WireEvent[]>): void {
  const problems = ctx.problems;
  const bySeq = new Map<string, Map<number, WireEvent>>();

  for (const [conversation, events] of serverLogs) {
    const seqs = new Map<number, WireEvent>();
    const seen = new Map<string, number>();
    events.forEach((event, i) => {
      if (event.seq !== i + 1) problems.add("gaps", `${conversation}: position ${i + 1} holds seq ${event.seq}`);
      seqs.set(event.seq, event);
      const senderKey = event.sender.role === "customer" ? "customer" : `${event.sender.role}:${event.sender.id}`;
      const key = `${senderKey === "customer" ? "customer" : "bot"}:${conversation}:${event.clientId ?? ""}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) problems.add("duplicated", `${conversation}: ${key} at seq ${earlier} and ${event.seq}`);
      seen.set(key, event.seq);
      const send = ctx.sends.get(key);
      if (!send) problems.add("mismatches", `${conversation}: seq ${event.seq} (${key}) was never sent by the soak`);
      else if (send.text !== event.content?.text) problems.add("mismatches", `${conversation}: seq ${event.seq} text differs from what was sent`);
    });
    bySeq.set(conversation, seqs);
  }

  // Every acknowledged message: in its conversation exactly once, where acknowledged.
  for (const [key, send] of ctx.sends) {
    if (!send.ack) continue;
    const event = bySeq.get(send.conversationId)?.get(send.ack.seq);
    if (!event) problems.add("lost", `${key} acknowledged at seq ${send.ack.seq} is not in the server log`);
    else if (event.id !== send.ack.eventId || event.clientId !== send.clientId) {
      problems.add("lost", `${key} acknowledged as ${send.ack.eventId} at seq ${send.ack.seq}, the log holds ${event.id} (${event.clientId})`);
    }
  }

  // Causal order per sender: acknowledged before the next was first sent → lower seq.
  const bySender = new Map<string, SendRecord[]>();
  for (const send of ctx.sends.values()) {
    if (send.ack) bySender.set(`${send.sender}:${send.conversationId}`, [...(bySender.get(`${send.sender}:${send.conversationId}`) ?? []), send]);
  }
  for (const sends of bySender.values()) {
    const byAck = [...sends].sort((a, b) => a.ackedAt - b.ackedAt);
    const byStart = [...sends].sort((a, b) => a.firstAttemptAt - b.firstAttemptAt);
    let i = 0;
    let maxSeq = 0;
    let maxId = "";
    for (const send of byStart) {
      while (i < byAck.length && byAck[i]!.ackedAt < send.firstAttemptAt) {
        if (byAck[i]!.ack!.seq > maxSeq) {
          maxSeq = byAck[i]!.ack!.seq;
          maxId = byAck[i]!.clientId;
        }
        i++;
      }
      if (send.ack!.seq < maxSeq) {
        problems.add("orderViolations", `${send.clientId} (seq ${send.ack!.seq}) was sent after ${maxId} (seq ${maxSeq}) was acknowledged`);
      }
    }
  }

  // Every device's log equals its conversation's server log.
  for (const device of devices) {
    const truth = serverLogs.get(device.conversationId) ?? [];
    if (device.log.size !== truth.length || device.contiguous !== truth.length) {
      problems.add("mismatches", `${device.name}: holds ${device.log.size} events (contiguous to ${device.contiguous}), the server ${truth.length}`);
    }
    for (const event of truth) {
      const held = device.log.get(event.seq);
      if (!held) problems.add("lost", `${device.name}: seq ${event.seq} missing after resync`);
      else if (held.id !== event.id || (held.clientId !== undefined && held.clientId !== event.clientId)) {
        problems.add("mismatches", `${device.name}: seq ${event.seq} is ${held.id}, the server has ${event.id}`);
      }
    }
  }
}

/** The counts as lines for a terminal. */
export function formatReport(report: SoakReport): string {
  const lines = [
    `soak ${report.ok ? "PASSED" : "FAILED"} in ${report.seconds} s — ${report.users} ${report.users === 1 ? "person" : "people"}, ${report.devices} devices, ${report.conversations} conversations, live socket: ${report.live ? "yes" : "no"}`,
    `  sent ${report.sent}  acked ${report.acked}  unknown at quiet ${report.unknownAtQuiet}  unacked ${report.unacked}`,
    `  attempts ${report.attempts} (HTTP ${report.httpAttempts}, socket ${report.socketAttempts})  retried ${report.retried}  aborted ${report.aborted}  failed ${report.failedAttempts}`,
    `  socket drops ${report.socketDrops}  socket closes ${report.socketCloses}  restarts ${report.restarts}  received live ${report.receivedLive}  resynced ${report.receivedResync}`,
    `  server events ${report.serverEvents}`,
    `  lost ${report.lost}  duplicated ${report.duplicated}  gaps ${report.gaps}  mismatches ${report.mismatches}  order violations ${report.orderViolations}`,
  ];
  if (report.problems.length > 0) lines.push("  problems:", ...report.problems.map((p) => `    - ${p}`));
  return lines.join("\n");
}
