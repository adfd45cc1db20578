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
];

export function migrate(sql: SqlStorage): void {
  applyMigrations(sql, MIGRATIONS);
}
