// Tells a person's threads which of their sessions are signed out, so the
// Conversation DO can refuse a revoked session token itself
// (src/conversation/revoked-sessions.ts) and a customer append needs no
// Customer DO round trip. The guarantee "a signed-out device is refused on
// every route at once" rests on the order here: every revocation (sign-out,
// sign-out everywhere, a reused refresh token, a guest merge) is committed in
// this object, then pushed to every thread of the person, and only then
// answered. A thread that cannot be told is remembered and retried by the
// alarm, and the revocation is answered with an error instead of a success.
import { REFRESH_GRACE_MS } from "./devices";
import { SESSION_TTL_S } from "../auth/session-token";
import type { RevokedSession } from "../conversation/revoked-sessions";

/**
 * How long after a session was created one of its tokens can still verify:
 * the token's lifetime, plus the refresh grace window (a retried refresh is
 * signed again with the same session id up to REFRESH_GRACE_MS later), plus
 * a minute for clocks and slow answers.
 */
export const REVOKED_SESSION_KEEP_MS = SESSION_TTL_S * 1000 + REFRESH_GRACE_MS + 60_000;

/** What a thread is told: the revoked sessions, and the devices whose live sockets must close (4008). */
export interface RevocationNotice {
  revoked: RevokedSession[];
  deviceIds: string[];
}

/** The one RPC a thread offers for it (Conversation.revokeSessions). */
export type TellThread = (threadId: string, notice: RevocationNotice) => Promise<void>;

/** The person's revocations as their threads must know them, and the pushes that tell them (table revocation_pushes: src/customer/schema.ts). */
export class RevocationPush {
  constructor(
    private readonly sql: SqlStorage,
    /** Every thread that may hold or receive this person's sessions (theirs, and ones being merged in). */
    private readonly threadIds: () => string[],
    private readonly tell: TellThread,
    /** Arms the object's alarm, which calls retryPending(). */
    private readonly retryLater: () => Promise<void>,
  ) {}

  /**
   * The sessions signed out recently enough that a token of theirs could
   * still verify, and the devices that are signed out now (their sockets
   * close; a device signed in again since is not among them).
   */
  notice(now = Date.now()): RevocationNotice {
    const since = new Date(now - REVOKED_SESSION_KEEP_MS).toISOString();
    const revoked = this.sql
      .exec<{ session_id: string; created_at: string }>(
        "SELECT session_id, created_at FROM sessions WHERE revoked_at IS NOT NULL AND created_at > ?",
        since,
      )
      .toArray()
      .map((r) => ({ sessionId: r.session_id, until: Date.parse(r.created_at) + REVOKED_SESSION_KEEP_MS }));
    const deviceIds = this.sql
      .exec<{ device_id: string }>("SELECT device_id FROM devices WHERE revoked_at IS NOT NULL AND revoked_at > ?", since)
      .toArray()
      .map((r) => r.device_id);
    return { revoked, deviceIds };
  }

  /**
   * Tells every thread the current revocations (each tried twice). Throws
   * when some thread could not be told: it is retried by the alarm, and the
   * caller must not answer the revocation as done.
   */
  async push(): Promise<void> {
    const failed = await this.tellAll(this.threadIds());
    if (failed.length === 0) return;
    for (const id of failed) this.sql.exec("INSERT OR IGNORE INTO revocation_pushes (thread_id) VALUES (?)", id);
    await this.retryLater();
    throw new Error(`the sign-out reached ${failed.length} thread(s) too late; retrying by alarm`);
  }

  /** The alarm: tells the threads a push missed; those still failing stay pending (and re-arm). */
  async retryPending(): Promise<void> {
    const pending = this.sql.exec<{ thread_id: string }>("SELECT thread_id FROM revocation_pushes").toArray().map((r) => r.thread_id);
    if (pending.length === 0) return;
    const failed = new Set(await this.tellAll(pending));
    for (const id of pending) if (!failed.has(id)) this.sql.exec("DELETE FROM revocation_pushes WHERE thread_id = ?", id);
    if (failed.size > 0) await this.retryLater();
  }

  /** Tells each thread; returns the ids of those that failed twice. */
  private async tellAll(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const notice = this.notice();
    const attempt = (id: string) => this.tell(id, notice).catch(() => this.tell(id, notice));
    const outcomes = await Promise.allSettled(ids.map(attempt));
    const failed: string[] = [];
    outcomes.forEach((o, i) => {
      if (o.status === "rejected") {
        console.error(`telling thread ${ids[i]} about a sign-out failed`, o.reason);
        failed.push(ids[i]!);
      }
    });
    return failed;
  }
}
