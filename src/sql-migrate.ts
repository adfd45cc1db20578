// Forward-only schema migrations for a Durable Object's SQLite storage: one
// version row, each step applied once, in order.

/**
 * Applies `migrations` not applied yet. `table` names the version row's
 * table: a module that several DO classes share (the outbox) keeps its own,
 * so its steps never interleave with the class's own schema.
 */
export function applyMigrations(sql: SqlStorage, migrations: readonly string[], table = "schema_version"): void {
  // Every wake of an object runs this: one read when the table exists, the
  // CREATE only on a new object (a failed read) — a statement less per wake.
  let row: { version: number } | undefined;
  try {
    row = sql.exec<{ version: number }>(`SELECT version FROM ${table}`).toArray()[0];
  } catch (error) {
    // Only a missing table means a new object; anything else must not re-run every step.
    if (!String(error).includes("no such table")) throw error;
    sql.exec(`CREATE TABLE ${table} (version INTEGER NOT NULL)`);
  }
  if (!row) sql.exec(`INSERT INTO ${table} (version) VALUES (0)`);
  for (let version = row?.version ?? 0; version < migrations.length; version++) {
    sql.exec(migrations[version]!);
    sql.exec(`UPDATE ${table} SET version = ?`, version + 1);
  }
}
