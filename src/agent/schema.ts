// The Agent DO's SQLite schema, applied forward-only by version.
import { applyMigrations } from "../sql-migrate";

const MIGRATIONS: string[] = [
  `CREATE TABLE profile (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE sessions (
     session_id TEXT PRIMARY KEY,
     refresh_hash TEXT NOT NULL,
     refresh_expires_at TEXT NOT NULL,
     agent TEXT NOT NULL,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE TABLE retired_refresh (hash TEXT PRIMARY KEY, session_id TEXT NOT NULL, retired_at TEXT NOT NULL);
   CREATE TABLE socket_targets (session_id TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (session_id, target));`,
  // The refresh grace window (src/agent/sessions.ts rotate): the token rotated away, and when.
  `ALTER TABLE sessions ADD COLUMN previous_refresh_hash TEXT;
   ALTER TABLE sessions ADD COLUMN rotated_at TEXT;`,
];

export function migrate(sql: SqlStorage): void {
  applyMigrations(sql, MIGRATIONS);
}
