// A person's devices and their sessions. Refresh tokens are stored only as
// SHA-256 hashes and rotate on every use; a rotated token presented again
// means it was copied, so the device is revoked (theft detection).
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";

export const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;
/**
 * How long the refresh token just rotated away still yields the same
 * successor. 60 s covers two tabs refreshing at once and a client retrying
 * after a lost answer (the SDK gives up on a request after 30 s); a copy
 * replayed later is taken for theft. Within the window a thief holding the
 * old token gets the same successor as the device, so the next rotation by
 * either side still exposes the other.
 */
export const REFRESH_GRACE_MS = 60_000;
/** Session rows outlive their 15-minute tokens by a wide margin, then are pruned. */
const SESSION_ROW_TTL_MS = 24 * 3600 * 1000;
/**
 * Expired session rows are pruned at most this often per wake, not on every
 * session: rows are only ever looked up by id, so one kept a while past its
 * TTL changes no answer, and the prune scans the table.
 */
const SESSION_PRUNE_EVERY_MS = 3600 * 1000;

export interface DeviceInfo {
  deviceId: string;
  createdAt: string;
  lastSeenAt: string;
}

interface DeviceRow extends Record<string, SqlStorageValue> {
  device_id: string;
  session_id: string;
  refresh_hash: string;
  previous_refresh_hash: string | null;
  rotated_at: string | null;
  refresh_expires_at: string | null;
  revoked_at: string | null;
}

// Hashes of 256-bit secrets are compared with plain equality: learning how
// many leading characters of a SHA-256 digest match reveals nothing usable.
export class Devices {
  /** When expired session rows were last pruned (ms; 0: not since this object woke). */
  private prunedAt = 0;

  constructor(private readonly sql: SqlStorage) {}

  /**
   * Starts a new session on `deviceId`, replacing any older one (and
   * un-revoking the device). `sessionId` is the one the Worker chose (it signs
   * the session token while this call is in flight); a new one otherwise.
   * A device's current session lives in its `devices` row alone; the session
   * it replaces gets its `sessions` row here (see recordCurrent), so signing
   * in on a new device writes one row.
   */
  open(deviceId: string, refreshHash: string, now = new Date(), sessionId = newId("ses")): { sessionId: string } {
    const at = now.toISOString();
    this.recordCurrent(deviceId);
    this.sql.exec(
      `INSERT INTO devices (device_id, session_id, refresh_hash, refresh_expires_at, created_at, last_seen_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (device_id) DO UPDATE SET session_id = excluded.session_id, refresh_hash = excluded.refresh_hash,
         refresh_expires_at = excluded.refresh_expires_at, last_seen_at = excluded.last_seen_at, revoked_at = NULL,
         previous_refresh_hash = NULL, rotated_at = NULL`,
      deviceId,
      sessionId,
      refreshHash,
      new Date(now.getTime() + REFRESH_TTL_MS).toISOString(),
      at,
      at,
    );
    this.prune(now);
    return { sessionId };
  }

  /**
   * Swaps the device's refresh token `presentedHash` for `nextHash`.
   *
   * Grace window: the token just rotated away, presented again within
   * REFRESH_GRACE_MS while its successor is still unused, yields the same
   * successor and session (the Worker derives `nextHash` from the presented
   * token, so it is the same hash). That is two tabs refreshing at once, or a
   * retry after the answer was lost; neither may sign the device out. Any
   * other rotated-away token revokes the device: either the legitimate
   * client or a thief holds a copy, and we cannot tell which.
   */
  rotate(deviceId: string, presentedHash: string, nextHash: string, now = new Date()): { sessionId: string } {
    const row = this.sql
      .exec<DeviceRow>(
        `SELECT device_id, session_id, refresh_hash, refresh_expires_at, revoked_at, previous_refresh_hash, rotated_at
         FROM devices WHERE device_id = ?`,
        deviceId,
      )
      .toArray()[0];
    if (!row) throw new ServiceError("invalid_token", "refresh token is invalid");
    if (row.revoked_at !== null) throw new ServiceError("token_revoked", "this device has been signed out");
    if (row.refresh_hash !== presentedHash) {
      if (
        row.previous_refresh_hash === presentedHash &&
        row.refresh_hash === nextHash &&
        row.rotated_at !== null &&
        now.getTime() - Date.parse(row.rotated_at) <= REFRESH_GRACE_MS
      ) {
        return { sessionId: row.session_id };
      }
      const retired = this.sql
        .exec("SELECT 1 FROM retired_refresh WHERE hash = ? AND device_id = ?", presentedHash, deviceId)
        .toArray().length;
      if (retired === 0) throw new ServiceError("invalid_token", "refresh token is invalid");
      this.revoke(deviceId, now);
      throw new ServiceError("token_revoked", "refresh token was already used; the device has been signed out");
    }
    if (row.refresh_expires_at !== null && row.refresh_expires_at <= now.toISOString()) {
      throw new ServiceError("token_expired", "refresh token has expired; sign in again");
    }
    const at = now.toISOString();
    this.sql.exec("DELETE FROM retired_refresh WHERE retired_at < ?", new Date(now.getTime() - REFRESH_TTL_MS).toISOString());
    this.sql.exec("INSERT OR IGNORE INTO retired_refresh (hash, device_id, retired_at) VALUES (?, ?, ?)", presentedHash, deviceId, at);
    this.recordCurrent(deviceId);
    const sessionId = newId("ses");
    this.sql.exec(
      `UPDATE devices SET session_id = ?, refresh_hash = ?, refresh_expires_at = ?, last_seen_at = ?,
         previous_refresh_hash = ?, rotated_at = ? WHERE device_id = ?`,
      sessionId,
      nextHash,
      new Date(now.getTime() + REFRESH_TTL_MS).toISOString(),
      at,
      presentedHash,
      at,
      deviceId,
    );
    this.prune(now);
    return { sessionId };
  }

  /** Signs a device out: its refresh token and every session token it holds stop at once. Idempotent. */
  revoke(deviceId: string, now = new Date()): boolean {
    this.recordCurrent(deviceId);
    this.sql.exec("UPDATE sessions SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL", now.toISOString(), deviceId);
    return (
      this.sql.exec(
        "UPDATE devices SET revoked_at = ?, refresh_hash = '' WHERE device_id = ? AND revoked_at IS NULL",
        now.toISOString(),
        deviceId,
      ).rowsWritten > 0
    );
  }

  /**
   * Whether a session token of `deviceId` with session id `sessionId` may
   * still be used: the device is signed in and this session was not ended.
   * A session id without a row is the device's current one (recordCurrent),
   * or from before sessions were recorded: the device's state decides.
   */
  sessionActive(deviceId: string, sessionId: string): boolean {
    if (!this.isActive(deviceId)) return false;
    const row = this.sql
      .exec<{ revoked_at: string | null }>("SELECT revoked_at FROM sessions WHERE session_id = ? AND device_id = ?", sessionId, deviceId)
      .toArray()[0];
    return row === undefined || row.revoked_at === null;
  }

  /**
   * Gives the device's current session its `sessions` row, before anything
   * replaces or revokes it: from then on a sign-out marks that row, and the
   * session stays ended after the device signs in again. Every session id a
   * device was given is its current one first, so each gets its row before
   * it could need one. The row's created_at is when the session was issued
   * (open and rotate set last_seen_at to it): revocation-push.ts tells the
   * threads until when a token of it could still verify. A no-op for a new
   * device (no row to read) and for a row already recorded.
   */
  private recordCurrent(deviceId: string): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO sessions (session_id, device_id, created_at) SELECT session_id, device_id, last_seen_at FROM devices WHERE device_id = ?",
      deviceId,
    );
  }

  private prune(now: Date): void {
    if (now.getTime() - this.prunedAt < SESSION_PRUNE_EVERY_MS) return;
    this.sql.exec("DELETE FROM sessions WHERE created_at < ?", new Date(now.getTime() - SESSION_ROW_TTL_MS).toISOString());
    this.prunedAt = now.getTime();
  }

  /** Signs every device out; returns their ids. */
  revokeAll(now = new Date()): string[] {
    const ids = this.list().map((d) => d.deviceId);
    for (const id of ids) this.revoke(id, now);
    return ids;
  }

  /** Whether the device is signed in: a signed-out device opens no live socket. */
  isActive(deviceId: string): boolean {
    return this.sql.exec("SELECT 1 FROM devices WHERE device_id = ? AND revoked_at IS NULL", deviceId).toArray().length > 0;
  }

  list(): DeviceInfo[] {
    return this.sql
      .exec<{ device_id: string; created_at: string; last_seen_at: string }>(
        "SELECT device_id, created_at, last_seen_at FROM devices WHERE revoked_at IS NULL ORDER BY last_seen_at DESC",
      )
      .toArray()
      .map((r) => ({ deviceId: r.device_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at }));
  }
}
