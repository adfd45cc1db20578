// Forward-only schema migrations for a Durable Object's SQLite storage: one
// version row, each step applied once, in order.

export function applyMigrations(sql: SqlStorage, migrations: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  if (!row) sql.exec("INSERT INTO schema_version (version) VALUES (0)");
  for (let version = row?.version ?? 0; version < migrations.length; version++) {
    sql.exec(migrations[version]!);
    sql.exec("UPDATE schema_version SET version = ?", version + 1);
  }
}
