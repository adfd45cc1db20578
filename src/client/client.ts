// createClient: one customer device talking to a Carryover server — its
// session, its conversations and their live handles.
import type { ThreadSummary } from "../protocol/thread";
import * as paths from "./api-paths";
import type { BackoffOptions } from "./backoff";
import { Conversation } from "./conversation";
import type { ConversationHandle } from "./conversation-handle";
import { CarryoverError, isRefusal, isTransient } from "./errors";
import { Emitter } from "./events";
import { Http, isRecord } from "./http";
import { Outbox, readIndex } from "./outbox";
import { Session, type CarryoverUser } from "./session";
import { MemoryStorage, storageKeys, type KeyValueStorage } from "./storage";
import { topicsOf, type TopicSubscription } from "./subscriptions";
import type { XMLHttpRequestConstructor } from "./upload";

export interface ClientOptions {
  baseUrl: string;
  tenant: string;
  storage?: KeyValueStorage;
  /** Called whenever a new identity token is needed; return null for "signed out" (guest). */
  identityToken?: () => Promise<string | null>;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** For upload progress (`sendFile`); default the global one. Without it uploads use fetch, without progress. */
  XMLHttpRequest?: XMLHttpRequestConstructor;
  /** reconnect backoff, ms */
  minReconnectDelay?: number;
  maxReconnectDelay?: number;
  /** This device's clock (ms since epoch); injectable for tests. */
  now?: () => number;
  /** History page size for the first load and loadOlder (default 50). */
  pageSize?: number;
  /** How long a socket send waits for its ack before it is tried again (default 10 s). */
  ackTimeout?: number;
  /** How long an HTTP request or a socket connect may take before it counts as failed (default 30 s / 20 s). */
  requestTimeout?: number;
  connectTimeout?: number;
}

export interface CarryoverClient {
  readonly user: CarryoverUser | null;
  readonly deviceId: string | null;
  /** Restores or opens a session: stored refresh token → identity token → stored guest token → new guest. */
  connect(): Promise<CarryoverUser>;
  /** After the site logs the visitor in: identity token + stored guest token → merge. */
  login(): Promise<CarryoverUser>;
  /** Signs this device out (or all devices) and forgets stored credentials. */
  logout(options?: { allDevices?: boolean }): Promise<void>;
  /** Redeems a handoff token (from a link/QR) as this device's session; returns the conversation id. */
  redeemHandoff(handoffToken: string): Promise<string>;
  createHandoff(conversationId: string): Promise<{ handoffToken: string; url: string; expiresAt: string }>;
  conversations(): Promise<ThreadSummary[]>;
  /** Every broadcast topic of the business, with whether this person is subscribed. */
  listSubscriptions(): Promise<TopicSubscription[]>;
  /** Opts in to a topic's broadcasts (404 not_found for an unknown topic); returns the new list. */
  subscribe(topic: string): Promise<TopicSubscription[]>;
  /** Opts out of a topic's broadcasts, also one that is running; returns the new list. */
  unsubscribe(topic: string): Promise<TopicSubscription[]>;
  /**
   * Follows the session another tab or instance sharing the storage stored
   * (call it on the browser's `storage` event for the session key): its
   * sign-in, guest merge, refresh or sign-out becomes this client's, with a
   * "session" event when the person changes.
   */
  syncSession(): Promise<void>;
  /**
   * The person's threads other than `currentId`, most recently active first:
   * a person may hold several (guest threads from several devices merged at
   * sign-in), and none of them may drop out of their sight. Open one with
   * `conversation({ id })`.
   */
  earlierConversations(currentId: string): Promise<ThreadSummary[]>;
  /** The person's open conversation (created if none) or a given one. Starts live updates (unless `deferLive`: then `handle.follow()` decides). */
  conversation(options?: ConversationOptions): Promise<ConversationHandle>;
  on(event: "session", fn: (user: CarryoverUser | null) => void): () => void;
  on(event: "error", fn: (err: CarryoverError) => void): () => void;
  /**
   * Stops this client for good: every handle closes (its socket shut,
   * uploads under way aborted), timers and listeners stop. Not a sign-out:
   * the session and the outbox stay in storage for the next client. Afterwards
   * connect(), login(), logout(), redeemHandoff() and conversation() reject
   * with CarryoverError "closed". Idempotent.
   */
  close(): void;
}

export interface ConversationOptions {
  id?: string;
  ref?: string;
  /** Open no socket yet: the caller picks one with `handle.follow()` (its own, or another tab's relayed). */
  deferLive?: boolean;
}

interface ClientEvents {
  session: CarryoverUser | null;
  error: CarryoverError;
}

function wsBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/^http(s?):/i, "ws$1:");
}

class Client implements CarryoverClient {
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly http: Http;
  private readonly session: Session;
  private readonly storage: KeyValueStorage;
  private readonly keys: ReturnType<typeof storageKeys>;
  private readonly handles = new Map<string, Promise<Conversation>>();
  private readonly openHandles = new Set<Conversation>();
  private readonly backoff: BackoffOptions;
  private closed = false;
  /** Set when the session ended (revoked, logged out): no silent new session until connect()/login(). */
  private signedOut = false;
  private delivering: Promise<void> | null = null;
  private readonly stopOnlineHook: () => void;

  constructor(private readonly options: ClientOptions) {
    this.http = new Http(options.baseUrl, options.fetch, options.requestTimeout);
    this.storage = options.storage ?? new MemoryStorage();
    this.keys = storageKeys(options.tenant);
    const min = options.minReconnectDelay ?? 500;
    this.backoff = { min, max: Math.max(min, options.maxReconnectDelay ?? 30_000) };
    this.session = new Session({
      http: this.http,
      storage: this.storage,
      storageKey: this.keys.session,
      tenant: options.tenant,
      identityToken: options.identityToken,
      now: options.now ?? Date.now,
      onChange: (user) => {
        if (user === null && this.session.everSignedIn) this.signedOut = true;
        // A session announced here was opened on purpose (here or in another tab sharing the storage).
        if (user !== null) this.signedOut = false;
        this.emitter.emit("session", user);
      },
    });
    this.stopOnlineHook = onlineHook(() => {
      for (const handle of this.openHandles) handle.reconnect();
    });
  }

  get user(): CarryoverUser | null {
    return this.session.user;
  }

  get deviceId(): string | null {
    return this.session.deviceId;
  }

  connect(): Promise<CarryoverUser> {
    return this.signIn(() => this.session.connect());
  }

  login(): Promise<CarryoverUser> {
    return this.signIn(() => this.session.login());
  }

  async logout(options: { allDevices?: boolean } = {}): Promise<void> {
    this.ensureOpen();
    await this.session.logout(options.allDevices === true);
  }

  redeemHandoff(handoffToken: string): Promise<string> {
    this.ensureOpen();
    this.signedOut = false;
    return this.session.redeemHandoff(handoffToken);
  }

  async createHandoff(conversationId: string): Promise<{ handoffToken: string; url: string; expiresAt: string }> {
    await this.ready();
    const answer = await this.session.request("POST", paths.handoff(conversationId));
    const body = answer.body;
    if (!isRecord(body) || typeof body.handoffToken !== "string" || typeof body.url !== "string" || typeof body.expiresAt !== "string") {
      throw new CarryoverError("invalid_response", 0, "the handoff answer is incomplete");
    }
    return { handoffToken: body.handoffToken, url: body.url, expiresAt: body.expiresAt };
  }

  async conversations(): Promise<ThreadSummary[]> {
    await this.ready();
    const answer = await this.session.request("GET", paths.myConversations);
    const list = isRecord(answer.body) ? answer.body.conversations : null;
    return Array.isArray(list) ? list.filter((t): t is ThreadSummary => isRecord(t) && typeof t.id === "string") : [];
  }

  async listSubscriptions(): Promise<TopicSubscription[]> {
    await this.ready();
    return topicsOf((await this.session.request("GET", paths.subscriptions)).body);
  }

  async subscribe(topic: string): Promise<TopicSubscription[]> {
    await this.ready();
    return topicsOf((await this.session.request("PUT", paths.subscription(topic))).body);
  }

  async unsubscribe(topic: string): Promise<TopicSubscription[]> {
    await this.ready();
    return topicsOf((await this.session.request("DELETE", paths.subscription(topic))).body);
  }

  async syncSession(): Promise<void> {
    if (this.closed) return;
    if (await this.session.followStored()) this.deliverStored();
  }

  async earlierConversations(currentId: string): Promise<ThreadSummary[]> {
    const list = await this.conversations();
    return list.filter((t) => t.id !== currentId).sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  }

  async conversation(options: ConversationOptions = {}): Promise<ConversationHandle> {
    const deferLive = options.deferLive === true;
    if (options.id) {
      // Claimed before the session is ready, so background delivery leaves this outbox to the handle.
      return this.handleFor(options.id, async () => {
        await this.ready();
        return this.openHandle(options.id ?? "", deferLive);
      });
    }
    await this.ready();
    const answer = await this.session.request("POST", paths.conversations, { body: options.ref ? { ref: options.ref } : {} });
    const c = isRecord(answer.body) ? answer.body.conversation : null;
    if (!isRecord(c) || typeof c.id !== "string") throw new CarryoverError("invalid_response", 0, "no conversation in the answer");
    const id = c.id;
    return this.handleFor(id, () => this.openHandle(id, deferLive));
  }

  /** One handle per conversation: the one opening or open, else a new one. */
  private handleFor(id: string, open: () => Promise<Conversation>): Promise<Conversation> {
    const existing = this.handles.get(id);
    if (existing) return existing;
    const opening = open();
    this.handles.set(id, opening);
    opening.catch(() => {
      if (this.handles.get(id) === opening) this.handles.delete(id);
    });
    return opening;
  }


  on(event: "session", fn: (user: CarryoverUser | null) => void): () => void;
  on(event: "error", fn: (err: CarryoverError) => void): () => void;
  on(event: keyof ClientEvents, fn: (value: never) => void): () => void {
    return this.emitter.on(event, fn as (value: unknown) => void);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handle of [...this.openHandles]) handle.close();
    for (const opening of this.handles.values()) {
      opening.then((h) => h.close(), () => undefined);
    }
    this.handles.clear();
    this.session.close();
    this.stopOnlineHook();
  }

  private outboxOf(id: string): Outbox {
    return new Outbox(this.storage, this.keys.outbox(id), { key: this.keys.outboxIndex, id });
  }

  /**
   * Delivers messages stored for conversations that are not open here (written
   * offline, then the app was closed), over HTTP, oldest first. An open handle
   * delivers its own; what fails for a network reason waits for the next connect.
   */
  private deliverStored(): void {
    if (this.delivering) return;
    this.delivering = (async () => {
      for (const id of await readIndex(this.storage, this.keys.outboxIndex)) {
        if (this.closed || !this.session.user) return;
        if (this.handles.has(id)) continue;
        const outbox = this.outboxOf(id);
        for (const entry of await outbox.load()) {
          // A file not uploaded yet waits for its conversation to be opened (its bytes are there, if anywhere).
          if (entry.failed || entry.upload || this.handles.has(id)) continue;
          try {
            await this.session.request("POST", paths.messages(id), {
              body: { clientId: entry.clientId, content: entry.content },
            });
            await outbox.remove(entry.clientId);
          } catch (err) {
            if (!isRefusal(err)) return;
            await outbox.setFailed(entry.clientId, err.code);
            this.emitter.emit("error", err);
          }
        }
      }
    })()
      .catch((err: unknown) => {
        if (err instanceof CarryoverError && !isTransient(err)) this.emitter.emit("error", err);
      })
      .finally(() => {
        this.delivering = null;
      });
  }

  private async openHandle(id: string, deferLive = false): Promise<Conversation> {
    const handle = new Conversation({
      id,
      session: this.session,
      outbox: this.outboxOf(id),
      liveUrl: (cid, after) => `${wsBase(this.options.baseUrl)}${paths.live(cid, after)}`,
      WebSocket: this.options.WebSocket ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket,
      backoff: this.backoff,
      pageSize: this.options.pageSize ?? 50,
      ackTimeout: this.options.ackTimeout ?? 10_000,
      connectTimeout: this.options.connectTimeout ?? 20_000,
      onError: (err) => this.emitter.emit("error", err),
      onClosed: (h) => {
        this.openHandles.delete(h);
        const current = this.handles.get(h.id);
        if (current) current.then((c) => c === h && this.handles.delete(h.id), () => undefined);
      },
      onSession: (fn) => this.emitter.on("session", fn),
      upload: {
        baseUrl: this.options.baseUrl,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        ...(this.options.XMLHttpRequest ? { XMLHttpRequest: this.options.XMLHttpRequest } : {}),
      },
      deferLive,
    });
    await handle.open();
    this.openHandles.add(handle);
    if (this.closed) handle.close();
    return handle;
  }

  /** A sign-in asked for (it lifts a sign-out), then the messages stored for closed conversations go. */
  private async signIn(open: () => Promise<CarryoverUser>): Promise<CarryoverUser> {
    this.ensureOpen();
    this.signedOut = false;
    const user = await open();
    this.deliverStored();
    return user;
  }

  /** A session exists (connecting first if none was opened yet). */
  private async ready(): Promise<void> {
    this.ensureOpen();
    if (this.session.user) return;
    if (this.signedOut) throw new CarryoverError("signed_out", 401, "signed out: call connect() or login() first");
    await this.session.connect();
    this.deliverStored();
  }

  private ensureOpen(): void {
    if (this.closed) throw new CarryoverError("closed", 0, "the client is closed");
  }
}

/** In browsers, the "online" event: reconnect at once instead of waiting out a backoff delay. */
function onlineHook(fn: () => void): () => void {
  const target = globalThis as { addEventListener?: (type: string, fn: () => void) => void; removeEventListener?: (type: string, fn: () => void) => void };
  if (typeof target.addEventListener !== "function" || typeof target.removeEventListener !== "function") return () => undefined;
  target.addEventListener("online", fn);
  return () => target.removeEventListener?.("online", fn);
}

export function createClient(options: ClientOptions): CarryoverClient {
  return new Client(options);
}
