// A device's session: obtains session tokens (from a stored refresh token, the
// site's identity token, a guest token or a handoff), keeps them fresh, rotates
// refresh tokens, persists credentials and notices being signed out.
import type { SessionAnswer } from "../protocol/session";
import * as paths from "./api-paths";
import { CarryoverError, isRefreshable, isRevoked, isTransient } from "./errors";
import type { Http, HttpAnswer, RequestOptions } from "./http";
import { SingleFlight } from "./single-flight";
import { readJson, type KeyValueStorage } from "./storage";
import { EMPTY, parseAnswer, parseStored, sameUser, withTabsLock, type CarryoverUser, type StoredSession } from "./stored-session";

export type { CarryoverUser, StoredSession } from "./stored-session";

export interface SessionOptions {
  http: Http;
  storage: KeyValueStorage;
  storageKey: string;
  tenant: string;
  identityToken: (() => Promise<string | null>) | undefined;
  now: () => number;
  onChange: (user: CarryoverUser | null) => void;
}

type Obtain = "connect" | "refresh";

export class Session {
  private state: StoredSession = { ...EMPTY };
  private loaded: Promise<void> | null = null;
  /** The session change under way (connect, login, handoff, refresh): one at a time, refreshes shared. */
  private readonly changes = new SingleFlight<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private holders = 0;
  private closed = false;
  private announced: CarryoverUser | null = null;
  private signedInOnce = false;

  constructor(private readonly options: SessionOptions) {}

  get user(): CarryoverUser | null {
    return this.state.user;
  }

  get deviceId(): string | null {
    return this.state.deviceId;
  }

  /** Whether a session was announced in this instance (so a null after it is a sign-out). */
  get everSignedIn(): boolean {
    return this.signedInOnce;
  }

  /** Restores or opens a session: stored session/refresh token → identity token → guest token → new guest. */
  async connect(): Promise<CarryoverUser> {
    await this.load();
    if (this.state.user && this.fresh(this.state)) {
      this.use(this.state);
      return this.state.user;
    }
    await this.changes.queue(() =>
      this.locked(async () => {
        // Another tab may have opened the session meanwhile: use it rather than open a second one.
        const stored = await this.readStored();
        if (stored.user && stored.sessionToken && this.fresh(stored)) {
          this.use(stored);
          return stored.sessionToken;
        }
        this.state = stored;
        return this.obtain("connect");
      }),
    );
    return this.requireUser();
  }

  /** Identity token plus the stored guest token: the guest's threads merge into the identified user. */
  async login(): Promise<CarryoverUser> {
    await this.load();
    const identityToken = await this.identityToken();
    if (!identityToken) throw new CarryoverError("signed_out", 0, "the identity token provider returned no token");
    // Under the tabs' lock: the merge revokes the guest session every tab holds,
    // and the other tabs, told so, wait here and then follow the new session.
    await this.changes.queue(() =>
      this.locked(async () => {
        // Another tab may have signed in meanwhile, merging the guest this one still
        // holds: sign in with the device's stored credentials, not a spent guest token.
        await this.takeStored();
        const body: Record<string, string> = { identityToken };
        if (this.state.guestToken) body.guestToken = this.state.guestToken;
        if (this.state.deviceId) body.deviceId = this.state.deviceId;
        return this.open(body, { dropGuestToken: true });
      }),
    );
    return this.requireUser();
  }

  /** Redeems a handoff token as this device's session; returns its conversation id. */
  async redeemHandoff(handoffToken: string): Promise<string> {
    await this.load();
    let conversationId: string | undefined;
    await this.changes.queue(() =>
      this.locked(async () => {
        const answer = await this.post({ handoffToken });
        conversationId = answer.conversationId;
        return this.adopt(answer, { dropGuestToken: true });
      }),
    );
    if (!conversationId) throw new CarryoverError("invalid_response", 0, "the handoff answer carried no conversationId");
    return conversationId;
  }

  async logout(allDevices: boolean): Promise<void> {
    await this.load();
    let failure: unknown = null;
    if (this.state.sessionToken || this.state.refreshToken) {
      try {
        // request() refreshes an expired session token first: the server must revoke the device.
        await this.request("DELETE", allDevices ? paths.sessions : paths.currentSession);
      } catch (err) {
        // A 401 here means the server no longer knows this session: signed out already.
        if (!(err instanceof CarryoverError && err.status === 401)) failure = err;
      }
    }
    await this.signedOut();
    // Forgotten locally either way; a network failure is reported so the app can say so.
    if (failure) throw failure;
  }

  /** A session token valid for at least the refresh margin, refreshed if needed. */
  async token(): Promise<string> {
    await this.load();
    if (this.state.sessionToken && this.fresh(this.state)) return this.state.sessionToken;
    return this.refresh(this.state.sessionToken);
  }

  /** Gets a new session token because `stale` was refused or is about to expire. */
  async refresh(stale: string | null): Promise<string> {
    await this.load();
    if (this.closed) throw new CarryoverError("closed", 0, "the client is closed");
    return this.changes.join(() =>
      this.locked(async () => {
        // Storage holds the device's current credentials: another tab or instance
        // sharing it may have refreshed, signed in (revoking the guest's), or
        // signed out and started a new guest since this one last looked. Follow
        // them, as followStored does, instead of spending this instance's own
        // refresh token, which that change may have spent or revoked; refused,
        // it would sign the device out under the other tab.
        const stored = await this.takeStored();
        if (stored?.sessionToken && stored.sessionToken !== stale && this.fresh(stored)) {
          this.use(stored);
          return stored.sessionToken;
        }
        return this.obtain("refresh");
      }),
    );
  }

  /** Runs a credential change under the tabs' lock of this storage key (see withTabsLock). */
  private locked<T>(run: () => Promise<T>): Promise<T> {
    return withTabsLock(this.options.storageKey, run);
  }

  /** An authenticated request; one refresh and retry on a refused session token. */
  async request(method: string, path: string, options: Omit<RequestOptions, "token"> = {}): Promise<HttpAnswer> {
    const token = await this.token();
    try {
      return await this.options.http.request(method, path, { ...options, token });
    } catch (err) {
      if (await this.signedOutBy(err, token)) throw err;
      // Revoked, but another tab already holds the device's next session: go on with it.
      const next = isRevoked(err) ? await this.token() : isRefreshable(err) ? await this.refresh(token) : null;
      if (next === null) throw err;
      try {
        return await this.options.http.request(method, path, { ...options, token: next });
      } catch (again) {
        await this.signedOutBy(again, next);
        throw again;
      }
    }
  }

  /**
   * A 401 token_revoked (or live close 4008): this device's session ended.
   * Returns true when it signed out; false when another tab or instance
   * sharing the storage had already stored a newer session (it signed in,
   * merged the guest, redeemed a handoff), which this one now follows.
   */
  async signedOutBy(err: unknown, revokedToken: string | null): Promise<boolean> {
    if (!isRevoked(err)) return false;
    return this.revoked(revokedToken);
  }

  /**
   * The session token `revokedToken` was refused as revoked: follow a newer
   * session (this instance's own sign-in, or one another tab stored), else
   * sign out. Waits for a sign-in under way (the tabs' lock): a guest merge
   * revokes the guest session before its answer arrives.
   */
  async revoked(revokedToken: string | null): Promise<boolean> {
    return this.locked(async () => {
      // The tab whose sign-in revoked it may have stored the next session just now: across
      // tabs, localStorage reaches this one a moment after the lock does (Chromium passes a
      // write between renderers asynchronously). Up to a second for it to show.
      for (let i = 9; i--; ) {
        await this.followStored();
        if (this.state.user && this.state.sessionToken !== revokedToken) return false;
        await new Promise((r) => setTimeout(r, 99));
      }
      await this.signedOut();
      return true;
    });
  }

  /**
   * Another tab or instance changed the stored session (browsers: the
   * `storage` event): a sign-in, a merge, a refresh or a sign-out there is
   * the same change here, announced through `onChange`. Returns whether a
   * stored session other than this one's was adopted.
   */
  async followStored(): Promise<boolean> {
    await this.load();
    const stored = await this.readStored();
    if (stored.refreshToken === this.state.refreshToken && stored.sessionToken === this.state.sessionToken) return false;
    if (!stored.user || !stored.refreshToken) {
      // Signed out elsewhere: nothing to remove, only to announce.
      if (this.state.user) {
        this.state = { ...EMPTY };
        this.clearTimer();
        this.announce(null);
      }
      return false;
    }
    this.use(stored);
    return true;
  }

  async signedOut(): Promise<void> {
    this.state = { ...EMPTY };
    this.clearTimer();
    await this.options.storage.remove(this.options.storageKey);
    this.announce(null);
  }

  /** Keeps the token refreshed ahead of expiry while someone (a live conversation) holds it. */
  hold(): () => void {
    this.holders++;
    this.schedule();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders--;
      if (this.holders === 0) this.clearTimer();
    };
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private async obtain(mode: Obtain): Promise<string> {
    const { refreshToken, deviceId, guestToken } = this.state;
    if (refreshToken) {
      const token = await this.openWith({ refreshToken }, deviceId, (err) => err.code === "token_revoked" && mode === "refresh");
      if (token !== null) return token;
      // An expired, unknown or (on connect) revoked refresh token: start over below.
      this.state = { ...this.state, refreshToken: null, sessionToken: null, expiresAt: null, refreshAt: null };
    }
    const identityToken = await this.identityToken();
    if (identityToken) {
      const body: Record<string, string> = { identityToken };
      if (guestToken && this.state.user?.guest !== false) body.guestToken = guestToken;
      if (deviceId) body.deviceId = deviceId;
      return this.open(body, { dropGuestToken: body.guestToken !== undefined });
    }
    if (guestToken) {
      const token = await this.openWith({ guestToken }, deviceId, () => mode === "refresh");
      if (token !== null) return token;
    }
    if (mode === "refresh") {
      await this.signedOut();
      throw new CarryoverError("signed_out", 401, "no credentials left to open a session with");
    }
    return this.open({});
  }

  /**
   * Opens a session with one stored credential: null when refused for good (try
   * the next one); a network or server failure is thrown (try again later with
   * it), as is a refusal `signsOut` accepts, after signing out.
   */
  private async openWith(
    credential: Record<string, string>,
    deviceId: string | null,
    signsOut: (err: CarryoverError) => boolean,
  ): Promise<string | null> {
    const body: Record<string, string> = { ...credential };
    if (deviceId) body.deviceId = deviceId;
    try {
      return await this.open(body);
    } catch (err) {
      if (!(err instanceof CarryoverError) || isTransient(err)) throw err;
      if (signsOut(err)) {
        await this.signedOut();
        throw err;
      }
      return null;
    }
  }

  private async identityToken(): Promise<string | null> {
    if (!this.options.identityToken) return null;
    const token = await this.options.identityToken();
    return token && token.length > 0 ? token : null;
  }

  private async post(body: Record<string, string>): Promise<SessionAnswer & { serverDate: number | null }> {
    const answer = await this.options.http.request("POST", paths.sessions, {
      body: { tenant: this.options.tenant, ...body },
    });
    return { ...parseAnswer(answer.body), serverDate: answer.serverDate };
  }

  private async open(body: Record<string, string>, opts: { dropGuestToken?: boolean } = {}): Promise<string> {
    return this.adopt(await this.post(body), opts);
  }

  private async adopt(
    answer: SessionAnswer & { serverDate: number | null },
    opts: { dropGuestToken?: boolean } = {},
  ): Promise<string> {
    if (this.closed) throw new CarryoverError("closed", 0, "the client is closed");
    const now = this.options.now();
    // Expiry in this device's clock: the token's lifetime as the server sees it.
    const parsed = Date.parse(answer.expiresAt) - (answer.serverDate ?? now);
    const lifetime = Number.isFinite(parsed) && parsed > 0 ? parsed : 15 * 60_000;
    const guestToken = answer.guestToken ?? (opts.dropGuestToken || !answer.user.guest ? null : this.state.guestToken);
    this.state = {
      deviceId: answer.deviceId,
      refreshToken: answer.refreshToken,
      guestToken,
      userId: answer.user.id,
      user: answer.user,
      sessionToken: answer.sessionToken,
      expiresAt: now + lifetime,
      refreshAt: now + lifetime - Math.min(60_000, lifetime / 4),
    };
    await this.options.storage.set(this.options.storageKey, JSON.stringify(this.state));
    this.use(this.state);
    return answer.sessionToken;
  }

  /** Takes `stored` as this instance's session (opened here, or by another tab) and announces its person. */
  private use(stored: StoredSession): void {
    this.state = stored;
    this.schedule();
    this.announce(stored.user);
  }

  private announce(user: CarryoverUser | null): void {
    if (sameUser(this.announced, user)) return;
    this.announced = user;
    if (user) this.signedInOnce = true;
    this.options.onChange(user);
  }

  private fresh(s: StoredSession): boolean {
    const refreshAt = s.refreshAt ?? s.expiresAt;
    return s.sessionToken !== null && refreshAt !== null && refreshAt > this.options.now();
  }

  private schedule(): void {
    this.clearTimer();
    const refreshAt = this.state.refreshAt ?? this.state.expiresAt;
    if (this.holders === 0 || this.closed || refreshAt === null) return;
    const due = Math.max(1_000, refreshAt - this.options.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh(this.state.sessionToken).catch(() => {
        // Failures surface on the next request; a network error is retried then.
      });
    }, Math.min(due, 2 ** 31 - 1));
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private requireUser(): CarryoverUser {
    if (!this.state.user) throw new CarryoverError("signed_out", 401, "not signed in");
    return this.state.user;
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      this.state = await this.readStored();
    })();
    return this.loaded;
  }

  /** What the storage shared with other tabs and instances holds now. */
  private async readStored(): Promise<StoredSession> {
    return parseStored(await readJson(this.options.storage, this.options.storageKey));
  }

  /** The stored session, taken as this instance's when there is one (another tab's sign-in, refresh or new guest); null when none is stored. */
  private async takeStored(): Promise<StoredSession | null> {
    const stored = await this.readStored();
    return stored.user && stored.refreshToken ? (this.state = stored) : null;
  }
}
