// A person's devices and their sessions. Refresh tokens are stored only as
// SHA-256 hashes; each device has one live session at a time.
import { newId, newSecret, sha256Hex } from "../ids";

export interface DeviceSession {
  deviceId: string;
  sessionId: string;
  refreshToken: string;
}

export interface DeviceInfo {
  deviceId: string;
  createdAt: string;
  lastSeenAt: string;
}

export class Devices {
  constructor(private readonly sql: SqlStorage) {}

  /** Starts a new session on `deviceId` (or a new device), replacing any older one. */
  async open(deviceId: string | undefined, now = new Date()): Promise<DeviceSession> {
    const id = deviceId ?? newId("dev");
    const sessionId = newId("ses");
    const refreshToken = newSecret("crt");
    const refreshHash = await sha256Hex(refreshToken);
    const at = now.toISOString();
    this.sql.exec(
      `INSERT INTO devices (device_id, session_id, refresh_hash, created_at, last_seen_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, NULL)
       ON CONFLICT (device_id) DO UPDATE SET session_id = excluded.session_id,
         refresh_hash = excluded.refresh_hash, last_seen_at = excluded.last_seen_at, revoked_at = NULL`,
      id,
      sessionId,
      refreshHash,
      at,
      at,
    );
    return { deviceId: id, sessionId, refreshToken };
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
