// Applies D1 migrations the way `wrangler d1 migrations apply` does: in file
// order, each in one batch, recorded in the same table wrangler uses, so a
// persisted folder works with `wrangler dev --persist-to` too and a restart
// applies only what is new.
import type { D1Migration } from "./worker-config";

/** The part of a D1 statement the migrator uses (Miniflare's proxy has it). */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<unknown>;
}

/** The part of a D1 database the migrator uses. */
export interface D1DatabaseLike {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Applies every migration not yet recorded in `table`; returns the names applied.
 * A failing migration throws with its name; the ones before it stay applied.
 */
export async function applyD1Migrations(db: D1DatabaseLike, migrations: D1Migration[], table = "d1_migrations"): Promise<string[]> {
  if (!IDENTIFIER.test(table)) throw new Error(`bad migrations table name: ${table}`);
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
    )
    .run();
  const done = new Set((await db.prepare(`SELECT name FROM ${table}`).all<{ name: string }>()).results.map((r) => r.name));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    const statements = [...migration.queries.map((q) => db.prepare(q)), db.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(migration.name)];
    try {
      await db.batch(statements);
    } catch (err) {
      throw new Error(`D1 migration ${migration.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    applied.push(migration.name);
  }
  return applied;
}
