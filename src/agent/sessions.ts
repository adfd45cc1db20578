// One agent's sessions (one per sign-in). Refresh tokens are kept only as
// SHA-256 hashes and rotate on every use; a rotated token presented again
// revokes the session (someone copied it). A revoked session's session token
// is refused at once by the Worker (it asks this store on every call).
import type { AgentIdentity } from "../auth/agent-token";
import { REFRESH_GRACE_MS } from "../customer/devices";
import { ServiceError } from "../protocol/errors";

export const AGENT_REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;

interface SessionRow extends Record<string, SqlStorageValue> {
  session_id: string;
  refresh_hash: string;
  refresh_expires_at: string;
  agent: string;
  revoked_at: string | null;
  previous_refresh_hash: string | null;
  rotated_at: string | null;
}

export class AgentSessions {
  constructor(private readonly sql: SqlStorage) {}

  /** A new session `sessionId` (made by the Worker, named in the refresh token) whose refresh token hashes to `refreshHash`. */
  open(sessionId: string, agent: AgentIdentity, refreshHash: string, now = new Date()): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO sessions (session_id, refresh_hash, refresh_expires_at, agent, created_at) VALUES (?, ?, ?, ?, ?)",
      sessionId,
      refreshHash,
      new Date(now.getTime() + AGENT_REFRESH_TTL_MS).toISOString(),
      JSON.stringify(agent),
      now.toISOString(),
    );
  }

  /**
   * Swaps the session's refresh token `presentedHash` for `nextHash` and
   * returns the agent as signed in. As for customers' devices
   * (src/customer/devices.ts, API.md "as for customers"): the token just
   * rotated away, presented again within REFRESH_GRACE_MS while its successor
   * is unused, yields the same successor (the Worker derives `nextHash` from
   * the presented token) — two tabs, or a retry after a lost answer. Any other
   * rotated token revokes the session (token_revoked); unknown →
   * invalid_token; expired → token_expired.
   */
  rotate(sessionId: string, presentedHash: string, nextHash: string, now = new Date()): AgentIdentity {
    const row = this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE session_id = ?", sessionId).toArray()[0];
    if (!row) throw new ServiceError("invalid_token", "refresh token is invalid");
    if (row.revoked_at !== null) throw new ServiceError("token_revoked", "this agent session has been signed out");
    if (row.refresh_hash !== presentedHash) {
      if (
        row.previous_refresh_hash === presentedHash &&
        row.refresh_hash === nextHash &&
        row.rotated_at !== null &&
        now.getTime() - Date.parse(row.rotated_at) <= REFRESH_GRACE_MS
      ) {
        return JSON.parse(row.agent) as AgentIdentity;
      }
      const retired = this.sql.exec("SELECT 1 FROM retired_refresh WHERE hash = ? AND session_id = ?", presentedHash, sessionId).toArray();
      if (retired.length === 0) throw new ServiceError("invalid_token", "refresh token is invalid");
      this.revoke(sessionId, now);
      throw new ServiceError("token_revoked", "refresh token was already used; the agent session has been signed out");
    }
    if (row.refresh_expires_at <= now.toISOString()) throw new ServiceError("token_expired", "refresh token has expired; sign in again");
    const at = now.toISOString();
    this.sql.exec("INSERT OR IGNORE INTO retired_refresh (hash, session_id, retired_at) VALUES (?, ?, ?)", presentedHash, sessionId, at);
    this.sql.exec(
      "UPDATE sessions SET refresh_hash = ?, refresh_expires_at = ?, previous_refresh_hash = ?, rotated_at = ? WHERE session_id = ?",
      nextHash,
      new Date(now.getTime() + AGENT_REFRESH_TTL_MS).toISOString(),
      presentedHash,
      at,
      sessionId,
    );
    return JSON.parse(row.agent) as AgentIdentity;
  }

  /** Signs a session out; idempotent. */
  revoke(sessionId: string, now = new Date()): void {
    this.sql.exec("UPDATE sessions SET revoked_at = ?, refresh_hash = '' WHERE session_id = ? AND revoked_at IS NULL", now.toISOString(), sessionId);
  }

  isActive(sessionId: string): boolean {
    return this.sql.exec("SELECT 1 FROM sessions WHERE session_id = ? AND revoked_at IS NULL", sessionId).toArray().length > 0;
  }

  /** Remembers that the session opened a live socket at `target`, so sign-out can close it. */
  track(sessionId: string, target: string): void {
    this.sql.exec("INSERT OR IGNORE INTO socket_targets (session_id, target) VALUES (?, ?)", sessionId, target);
  }

  /** The places the session had sockets; forgotten once returned. */
  takeTargets(sessionId: string): string[] {
    const targets = this.sql
      .exec<{ target: string }>("SELECT target FROM socket_targets WHERE session_id = ?", sessionId)
      .toArray()
      .map((r) => r.target);
    this.sql.exec("DELETE FROM socket_targets WHERE session_id = ?", sessionId);
    return targets;
  }
}
