// The Conversation DO's SQLite schema, applied forward-only by version.
import { applyMigrations } from "../sql-migrate";
import { ATTACHMENTS_SCHEMA } from "../attachments/records";

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL,
     at TEXT NOT NULL,
     sender_role TEXT NOT NULL,
     idem_key TEXT UNIQUE,
     body TEXT NOT NULL
   );
   CREATE TABLE reads (
     device_id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at TEXT NOT NULL
   );`,
  ATTACHMENTS_SCHEMA,
  // Business state (issue 12): named timers on the one alarm, internal notes beside the log.
  `CREATE TABLE timers (kind TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE TABLE notes (
     n INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     idem_key TEXT NOT NULL UNIQUE,
     after_seq INTEGER NOT NULL,
     at TEXT NOT NULL,
     sender TEXT NOT NULL,
     text TEXT NOT NULL
   );`,
  // A customer's message names the device that wrote it: its read cursor moves with the row (reads.ts),
  // and `reads` is up to date with the log as it is now.
  `ALTER TABLE events ADD COLUMN device TEXT;
   INSERT OR REPLACE INTO meta (key, value) VALUES ('reads_seq', (SELECT COALESCE(MAX(seq), 0) FROM events));`,
];

export function migrate(sql: SqlStorage): void {
  applyMigrations(sql, MIGRATIONS);
}
