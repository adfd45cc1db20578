// The Customer DO's SQLite schema, applied forward-only by version.
import { applyMigrations } from "../sql-migrate";

const MIGRATIONS: string[] = [
  `CREATE TABLE profile (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE devices (
     device_id TEXT PRIMARY KEY,
     session_id TEXT NOT NULL,
     refresh_hash TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_seen_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE TABLE threads (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0,
     read_seq INTEGER NOT NULL DEFAULT 0,
     unread INTEGER NOT NULL DEFAULT 0,
     last_event TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );`,
  // Refresh rotation with reuse detection, guest tokens, single-use handoffs, guest merges.
  `ALTER TABLE devices ADD COLUMN refresh_expires_at TEXT;
   CREATE TABLE retired_refresh (
     hash TEXT PRIMARY KEY,
     device_id TEXT NOT NULL,
     retired_at TEXT NOT NULL
   );
   CREATE TABLE guest_tokens (hash TEXT PRIMARY KEY, created_at TEXT NOT NULL);
   CREATE TABLE used_handoffs (jti TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
   CREATE TABLE merges (guest_id TEXT PRIMARY KEY, confirmed INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE merge_threads (
     guest_id TEXT NOT NULL,
     thread_id TEXT NOT NULL,
     PRIMARY KEY (guest_id, thread_id)
   );`,
  // Every session id handed out (sign-in and each refresh), so a signed-out
  // device's unexpired session tokens are refused at once (src/auth/revocation.ts).
  `CREATE TABLE sessions (
     session_id TEXT PRIMARY KEY,
     device_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE INDEX sessions_by_device ON sessions (device_id);`,
  // The refresh token just rotated away and when: the grace window of src/customer/devices.ts.
  `ALTER TABLE devices ADD COLUMN previous_refresh_hash TEXT;
   ALTER TABLE devices ADD COLUMN rotated_at TEXT;`,
  // The tables people-sync.ts, session-limit.ts and revocation-push.ts used to
  // create with CREATE TABLE IF NOT EXISTS in every constructor: three
  // statements on every wake of the object, now one step applied once. IF NOT
  // EXISTS because an object from before this step already has them (a
  // people_sync table from before its facts column gets it in people-sync.ts).
  `CREATE TABLE IF NOT EXISTS people_sync (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, last_seen_at TEXT NOT NULL, pushed INTEGER NOT NULL, facts TEXT);
   CREATE TABLE IF NOT EXISTS session_buckets (device_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS revocation_pushes (thread_id TEXT PRIMARY KEY);`,
];

export function migrate(sql: SqlStorage): void {
  applyMigrations(sql, MIGRATIONS);
}
