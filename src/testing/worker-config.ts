// Reads what `npm run build` derived from wrangler.toml (dist/worker/config.json):
// the Worker's Miniflare options and each D1 database's migrations.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: both src/testing/ and dist/testing/ sit two levels below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One D1 migration file, split into statements at build time. */
export interface D1Migration {
  name: string;
  queries: string[];
}

/** A D1 database of wrangler.toml and the migrations of its migrations_dir. */
export interface D1Setup {
  binding: string;
  migrationsTable: string;
  migrations: D1Migration[];
}

/**
 * Miniflare v4-style worker options as wrangler's
 * `unstable_getMiniflareWorkerOptions` produced them (bindings of every kind),
 * with the assets directory made absolute again.
 */
export type WorkerOptions = Record<string, unknown> & {
  bindings?: Record<string, unknown>;
  assets?: { directory?: string } & Record<string, unknown>;
};

export interface WorkerConfig {
  /** Absolute path of the bundled Worker (one ES module). */
  scriptPath: string;
  workerOptions: WorkerOptions;
  d1: D1Setup[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseD1(value: unknown): D1Setup[] {
  if (!Array.isArray(value)) throw new Error("config.json: d1 must be a list");
  return value.map((db: unknown) => {
    if (!isRecord(db) || typeof db.binding !== "string" || typeof db.migrationsTable !== "string" || !Array.isArray(db.migrations)) {
      throw new Error("config.json: malformed d1 entry");
    }
    const migrations = db.migrations.map((m: unknown) => {
      if (!isRecord(m) || typeof m.name !== "string" || !Array.isArray(m.queries) || !m.queries.every((q) => typeof q === "string")) {
        throw new Error("config.json: malformed migration");
      }
      return { name: m.name, queries: m.queries as string[] };
    });
    return { binding: db.binding, migrationsTable: db.migrationsTable, migrations };
  });
}

/**
 * Loads dist/worker/config.json and resolves its paths against the package root.
 * Throws with the command to run when the build output is missing.
 */
export function readWorkerConfig(root: string = PACKAGE_ROOT): WorkerConfig {
  const file = resolve(root, "dist/worker/config.json");
  if (!existsSync(file)) throw new Error(`carryover/testing: ${file} is missing; run \`npm run build\` in the Carryover package`);
  const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!isRecord(raw) || typeof raw.script !== "string" || !isRecord(raw.workerOptions)) throw new Error(`${file} is malformed`);
  const workerOptions: WorkerOptions = { ...raw.workerOptions };
  const assets = workerOptions.assets;
  if (isRecord(assets) && typeof assets.directory === "string" && !isAbsolute(assets.directory)) {
    workerOptions.assets = { ...assets, directory: resolve(root, assets.directory) };
  }
  return { scriptPath: resolve(dirname(file), raw.script), workerOptions, d1: parseD1(raw.d1) };
}
