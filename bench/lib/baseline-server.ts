// Starts the bench-only baseline Worker (../wrangler.baseline.toml) with its
// own `wrangler dev` on a free loopback port and a temporary state directory.
import { resolve } from "node:path";
import { startWranglerDev, type DevServer } from "./wrangler-dev.ts";

const ROOT = resolve(import.meta.dirname, "../..");

export type BaselineServer = DevServer;

export function startBaseline(): Promise<BaselineServer> {
  return startWranglerDev({
    label: "baseline",
    config: "bench/wrangler.baseline.toml",
    cwd: ROOT,
    ready: async (url) => (await fetch(`${url}/health`)).ok,
  });
}
