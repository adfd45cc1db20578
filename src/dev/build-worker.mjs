#!/usr/bin/env node
// Builds what carryover/testing boots, so that neither the package's users nor
// the kit need wrangler or the TypeScript source at run time:
//   dist/worker/index.js     the Worker bundled by wrangler itself (`wrangler deploy --dry-run`)
//                            from the dev entry (src/dev/worker.ts: the kit plays the demo
//                            tenant and the Messenger simulator),
//   dist/worker/config.json  Miniflare options derived from wrangler.toml by wrangler
//                            (every binding kind: DOs, D1, R2, Queues, assets, vars, …)
//                            and each D1 database's migrations, split into statements.
// Run after build.mjs: wrangler reads the assets directory.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig, unstable_splitSqlQuery } from "wrangler";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = resolve(ROOT, "dist/worker");
const CONFIG = resolve(ROOT, "wrangler.toml");

rmSync(OUT, { recursive: true, force: true });
execFileSync(resolve(ROOT, "node_modules/.bin/wrangler"), ["deploy", "src/dev/worker.ts", "--dry-run", "--outdir", OUT, "--config", CONFIG], {
  cwd: ROOT,
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" },
  stdio: ["ignore", "ignore", "inherit"],
});
// Only the bundle itself ships (wrangler names it after the entry, worker.js):
// wrangler also writes a README and a source map.
renameSync(join(OUT, "worker.js"), join(OUT, "index.js"));
for (const file of readdirSync(OUT)) if (file !== "index.js") rmSync(join(OUT, file), { recursive: true, force: true });

const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG);
// The bundle is one ES module, so source rules and the project root do not apply;
// paths become relative to the package root, where the kit resolves them again.
delete workerOptions.rootPath;
delete workerOptions.modulesRules;
if (workerOptions.assets?.directory) workerOptions.assets.directory = relative(ROOT, workerOptions.assets.directory);

const config = unstable_readConfig({ config: CONFIG });
const d1 = config.d1_databases.map((db) => {
  const dir = resolve(ROOT, db.migrations_dir ?? "migrations");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  return {
    binding: db.binding,
    migrationsTable: db.migrations_table ?? "d1_migrations",
    migrations: files.map((name) => ({ name, queries: unstable_splitSqlQuery(readFileSync(join(dir, name), "utf8")) })),
  };
});

writeFileSync(join(OUT, "config.json"), `${JSON.stringify({ script: "index.js", workerOptions, d1 }, null, 2)}\n`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/worker: index.js ${kb(readFileSync(join(OUT, "index.js")).byteLength)}, config.json (${d1.map((d) => `${d.binding}: ${d.migrations.length} migrations`).join(", ")})`);
