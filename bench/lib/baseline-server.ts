// Starts the bench-only baseline Worker (../wrangler.baseline.toml) with its
// own `wrangler dev` on a free loopback port and a temporary state directory.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startWranglerDev, type DevServer } from "./wrangler-dev.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const CONFIG = "bench/wrangler.baseline.toml";

export type BaselineServer = DevServer;

/**
 * The floor Worker. `assets: false` starts it without its `[assets]` block —
 * no static-assets router in front of the Worker, as the floor was measured
 * before 2026-12-01 — from a copy of the config in a temp dir (removed on stop).
 * @throws Error when the config has no `[assets]` block to leave out
 */
export function startBaseline(options: { assets?: boolean } = {}): Promise<BaselineServer> {
  const ready = async (url: string) => (await fetch(`${url}/health`)).ok;
  if (options.assets !== false) return startWranglerDev({ label: "baseline", config: CONFIG, cwd: ROOT, ready });
  const text = readFileSync(join(ROOT, CONFIG), "utf8");
  // The block runs from its header to the next blank line.
  const plain = text.replace(/^\[assets\]\n(?:.+\n)*/m, "").replace(/^main = "(.+)"$/m, (_m, main: string) => `main = ${JSON.stringify(join(ROOT, "bench", main))}`);
  if (plain === text || plain.includes("[assets]")) throw new Error(`${CONFIG}: no [assets] block found to leave out`);
  const dir = mkdtempSync(join(tmpdir(), "carryover-baseline-plain-"));
  writeFileSync(join(dir, "wrangler.toml"), plain);
  return startWranglerDev({ label: "baseline-plain", config: join(dir, "wrangler.toml"), cwd: ROOT, ready, cleanup: [dir] });
}
