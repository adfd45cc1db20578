// The live connection of one conversation (API.md "Live"): a WebSocket that
// resumes from the last seq held, reconnects with growing, jittered delays,
// takes a fresh session token on every connect, and stops for good on the
// close codes that mean "not with this token" (4003, 4008; 4001 after one refresh).
import type { ClientFrame } from "../protocol/frames";
import { BEARER_PREFIX, CloseCode, LIVE_PROTOCOL, parseServerFrames, type ServerFrame } from "../protocol/wire";
import { Backoff, type BackoffOptions } from "./backoff";

export type LiveState = "connecting" | "live" | "offline" | "closed";

export interface LiveOptions {
  /** The socket URL resuming after `after`. */
  url(after: number): string;
  /** Everything that must hold before a connect (a session token; the history window). */
  prepare(): Promise<{ token: string; after: number }>;
  /** A new session token after the server refused `stale` (close 4001). */
  refresh(stale: string): Promise<unknown>;
  WebSocket: typeof WebSocket;
  backoff: BackoffOptions;
  /** Keep-alive ping interval, ms. */
  pingInterval?: number;
  /** A socket not ready this long after it was created is given up and retried, ms. */
  connectTimeout?: number;
  onFrame(frame: ServerFrame): void;
  onState(state: LiveState): void;
  /** A connect attempt failed or the socket dropped (a chance to catch up over HTTP). */
  onDown(err: unknown): void;
  /**
   * The server closed for good (4001 after a refresh, 4003, 4008) or prepare
   * failed for good (code 0). `token` is the session token the closed socket
   * was opened with (null when none was obtained): the one the server refused.
   */
  onFatal(code: number, reason: string, token: string | null, err?: unknown): void;
  /** prepare() failures that retrying cannot fix (signed out). */
  isFatal(err: unknown): boolean;
}

export class Live {
  private ws: WebSocket | null = null;
  private state: LiveState = "offline";
  private readonly backoff: Backoff;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFrameAt = 0;
  private refreshedAfter4001 = false;
  private running = false;
  private generation = 0;

  constructor(private readonly options: LiveOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get ready(): boolean {
    return this.state === "live" && this.ws !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.backoff.reset();
    void this.connect();
  }

  /** Drops the current socket (if any) and connects again at once, with a fresh token. */
  reconnect(): void {
    if (!this.running) return this.start();
    this.clearRetry();
    this.drop();
    this.backoff.reset();
    void this.connect();
  }

  stop(state: LiveState = "closed"): void {
    this.running = false;
    this.clearRetry();
    this.drop();
    this.setState(state);
  }

  send(frame: ClientFrame): boolean {
    // A closing socket drops frames silently: only an open one counts as sent.
    if (!this.ready || !this.ws || this.ws.readyState !== 1) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.setState("connecting");
    let token: string;
    let after: number;
    try {
      ({ token, after } = await this.options.prepare());
    } catch (err) {
      if (generation !== this.generation || !this.running) return;
      if (this.options.isFatal(err)) {
        this.stop("closed");
        this.options.onFatal(0, "no session", null, err);
        return;
      }
      this.options.onDown(err);
      this.scheduleRetry();
      return;
    }
    if (generation !== this.generation || !this.running) return;
    let ws: WebSocket;
    try {
      ws = new this.options.WebSocket(this.options.url(after), [LIVE_PROTOCOL, `${BEARER_PREFIX}${token}`]);
    } catch (err) {
      this.options.onDown(err);
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.lastFrameAt = Date.now();
    // A handshake or replay that never finishes (a captive portal, a dead radio) must not stall us.
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.ws !== ws || this.state === "live") return;
      this.drop();
      this.closed(1006, "connect timeout", token);
    }, this.options.connectTimeout ?? 20_000);
    // The first frame a direct socket promises (paths.live asks for one; API.md "Direct sockets"):
    // it lets the runtime end the connection at once when the server closes it. Answered by a `pong`.
    ws.onopen = () => ws.send('{"type":"ping"}');
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      // A batched replay frame is many `event` frames: the rest of the SDK sees them one by one.
      for (const frame of parseServerFrames(ev.data)) {
        // A frame's handler may drop or replace this socket: the rest of a batch is then not for us.
        if (this.ws !== ws) return;
        if (frame.type === "ready") {
          this.clearConnectTimer();
          this.backoff.reset();
          this.refreshedAfter4001 = false;
          this.setState("live");
          this.startPing();
        }
        this.options.onFrame(frame);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.closed(ev.code, ev.reason, token);
    };
    ws.onerror = () => {
      // The close event that follows decides what happens next.
    };
  }

  private closed(code: number, reason: string, token: string): void {
    this.ws = null;
    this.stopPing();
    this.clearConnectTimer();
    if (!this.running) return;
    if (code === CloseCode.forbidden || code === CloseCode.revoked) {
      this.stop("closed");
      this.options.onFatal(code, reason, token);
      return;
    }
    if (code === CloseCode.invalidToken) {
      if (this.refreshedAfter4001) {
        this.stop("closed");
        this.options.onFatal(code, reason, token);
        return;
      }
      this.refreshedAfter4001 = true;
      this.setState("connecting");
      const generation = this.generation;
      this.options.refresh(token).then(
        () => {
          if (generation === this.generation && this.running) void this.connect();
        },
        (err: unknown) => {
          if (generation !== this.generation || !this.running) return;
          if (this.options.isFatal(err)) {
            this.stop("closed");
            this.options.onFatal(code, reason, token, err);
          } else {
            this.options.onDown(err);
            this.scheduleRetry();
          }
        },
      );
      return;
    }
    this.options.onDown(new Error(`live connection closed (${code}${reason ? ` ${reason}` : ""})`));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    this.setState("offline");
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.backoff.next());
  }

  private startPing(): void {
    this.stopPing();
    const interval = this.options.pingInterval ?? 25_000;
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      // Two intervals without a frame: the connection is dead even if no close came.
      if (Date.now() - this.lastFrameAt > 2 * interval) {
        this.drop();
        this.closed(1006, "keep-alive timeout", "");
        return;
      }
      this.send({ type: "ping" });
    }, interval);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private drop(): void {
    this.generation++;
    const ws = this.ws;
    this.ws = null;
    this.stopPing();
    this.clearConnectTimer();
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    try {
      ws.close(1000, "client closed");
    } catch {
      // already closing
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(state: LiveState): void {
    if (this.state === state) return;
    this.state = state;
    this.options.onState(state);
  }
}

