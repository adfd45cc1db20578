// The signed-out sessions of this thread's person whose 15-minute tokens may
// still be unexpired: the revocation check of the routes a Conversation DO
// answers (messages, events, reads, the live socket), so an append costs no
// Customer DO round trip. The person's Customer DO pushes the list to every
// thread of theirs BEFORE it answers a sign-out (src/customer/revocation-push.ts)
// and hands it to a thread when it creates or moves one; a row is kept until
// no token of its session can still be valid, then dropped.
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";

/** One signed-out session: its id and until when (ms since the epoch) a token of it could still verify. */
export interface RevokedSession {
  sessionId: string;
  until: number;
}

/** A Conversation DO's table of revoked session ids, mirrored in memory (a person has a handful). */
export class RevokedSessions {
  private cache: Map<string, number> | null = null;

  constructor(private readonly sql: SqlStorage) {
    // Its own table, created here: no slot in the thread's numbered migrations.
    sql.exec("CREATE TABLE IF NOT EXISTS revoked_sessions (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL)");
  }

  /** Records `revoked` (idempotent; a later `until` wins) and drops rows no token can use any more. */
  add(revoked: readonly RevokedSession[], now = Date.now()): void {
    const cache = this.load(now);
    for (const r of revoked) {
      if (r.until <= now || (cache.get(r.sessionId) ?? 0) >= r.until) continue;
      this.sql.exec(
        "INSERT INTO revoked_sessions (session_id, until) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET until = excluded.until",
        r.sessionId,
        r.until,
      );
      cache.set(r.sessionId, r.until);
    }
    this.prune(now);
  }

  /** Throws `token_revoked` (401) when `access` is a customer session that has been signed out. */
  assertActive(access: Access, now = Date.now()): void {
    if (access.kind !== "customer") return;
    const until = this.load(now).get(access.sessionId);
    if (until !== undefined && until > now) {
      throw new ServiceError("token_revoked", "this device has been signed out; sign in again");
    }
  }

  private load(now: number): Map<string, number> {
    if (!this.cache) {
      const rows = this.sql.exec<{ session_id: string; until: number }>("SELECT session_id, until FROM revoked_sessions WHERE until > ?", now).toArray();
      this.cache = new Map(rows.map((r) => [r.session_id, r.until]));
    }
    return this.cache;
  }

  private prune(now: number): void {
    // Only on add (a sign-out, a thread created or moved): rare, so a plain DELETE each time.
    for (const [id, until] of this.load(now)) if (until <= now) this.cache?.delete(id);
    this.sql.exec("DELETE FROM revoked_sessions WHERE until <= ?", now);
  }
}
