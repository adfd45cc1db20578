// Starts the bench-only baseline Worker (../wrangler.baseline.toml) with its
// own `wrangler dev` on a free loopback port and a temporary state directory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../test/support/server.ts";
import { killProcessGroup } from "./process-group.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

export interface BaselineServer {
  url: string;
  stop(): Promise<void>;
}

export async function startBaseline(): Promise<BaselineServer> {
  const persistDir = mkdtempSync(join(tmpdir(), "carryover-baseline-"));
  const port = await freePort();
  const inspector = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    WRANGLER,
    [
      "dev",
      "--config", "bench/wrangler.baseline.toml",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspector),
      "--persist-to", persistDir,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ],
    {
      cwd: ROOT,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));

  const stop = async () => {
    await killProcessGroup(child);
    rmSync(persistDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`baseline wrangler dev exited (${child.exitCode}):\n${output}`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`baseline worker did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, stop };
}
