// The Customer DO's SQLite schema, applied forward-only by version.
import { applyMigrations } from "../sql-migrate";

/** The last form of the three tables step 6 rebuilds (columns and keys). */
const DEVICES = `(device_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, refresh_hash TEXT NOT NULL, created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL, revoked_at TEXT, refresh_expires_at TEXT, previous_refresh_hash TEXT, rotated_at TEXT) WITHOUT ROWID`;
const SESSIONS = `(device_id TEXT NOT NULL, session_id TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT,
  PRIMARY KEY (device_id, session_id)) WITHOUT ROWID`;
const SESSION_BUCKETS = "(device_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID";

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
  // A device's current session is in its devices row; its row here is written
  // when it is replaced or signed out (src/customer/devices.ts, recordCurrent).
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
  // Fewer b-trees in a session's one durable write. A TEXT PRIMARY KEY on a
  // rowid table is a second b-tree (the table plus its autoindex), and
  // sessions had a third (sessions_by_device): signing in on a new device
  // dirtied five b-trees, committed per object. WITHOUT ROWID tables keep
  // each row in its key's b-tree: two b-trees per sign-in. sessions is keyed
  // (device_id, session_id): both lookups (one session of a device, every
  // session of a device) are prefixes of it. SQLite cannot change a table's
  // kind in place, so each table is rebuilt, its rows copied; the step runs
  // inside the constructor's implicit transaction, all or nothing.
  `CREATE TABLE devices_v6 ${DEVICES};
   INSERT INTO devices_v6 (device_id, session_id, refresh_hash, created_at, last_seen_at, revoked_at, refresh_expires_at, previous_refresh_hash, rotated_at)
     SELECT device_id, session_id, refresh_hash, created_at, last_seen_at, revoked_at, refresh_expires_at, previous_refresh_hash, rotated_at FROM devices;
   DROP TABLE devices;
   ALTER TABLE devices_v6 RENAME TO devices;
   CREATE TABLE sessions_v6 ${SESSIONS};
   INSERT INTO sessions_v6 (device_id, session_id, created_at, revoked_at) SELECT device_id, session_id, created_at, revoked_at FROM sessions;
   DROP TABLE sessions;
   ALTER TABLE sessions_v6 RENAME TO sessions;
   CREATE TABLE session_buckets_v6 ${SESSION_BUCKETS};
   INSERT INTO session_buckets_v6 (device_id, tokens, at) SELECT device_id, tokens, at FROM session_buckets;
   DROP TABLE session_buckets;
   ALTER TABLE session_buckets_v6 RENAME TO session_buckets;`,
];


/**
 * Brings the Customer DO's schema to the last step. A new object runs every
 * step, step 6's rebuild of its then empty tables included (≈ 2 ms once per
 * new person or guest): a second copy of the whole schema for new objects was
 * tried and left out, for the Worker bundle's budget and so that one list of
 * steps stays the only definition (bench/BENCHMARKS.md, perf-sessions3).
 */
export function migrate(sql: SqlStorage): void {
  applyMigrations(sql, MIGRATIONS);
}
