// One bench-only `wrangler dev` (the baseline Worker, the workers-chat-demo
// peer) on a free loopback port with a temporary state directory, ended with
// its whole process group. Carryover itself starts through the testing kit.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../test/support/server.ts";
import { killProcessGroup } from "./process-group.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

/** A running `wrangler dev`: its base URL, and `stop()` (kills it, removes its state and `cleanup` paths). */
export interface DevServer {
  url: string;
  /** The process group of wrangler and its workerd (processGroupCpuMs); the same shape as LocalServer's. */
  processGroup(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev --config <config>` in `cwd` and waits (≤ 60 s) until
 * `ready(url)` says it answers. `label` names it in errors; `cleanup` lists
 * more directories removed on stop (a copied checkout).
 * @throws Error with wrangler's output when it exits or does not answer in time
 */
export async function startWranglerDev(options: {
  label: string;
  config: string;
  cwd: string;
  ready: (url: string) => Promise<boolean>;
  cleanup?: string[];
}): Promise<DevServer> {
  const persistDir = mkdtempSync(join(tmpdir(), `carryover-${options.label}-state-`));
  const port = await freePort();
  const inspector = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    WRANGLER,
    ["dev", "--config", options.config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
      "--persist-to", persistDir, "--show-interactive-dev-session=false", "--log-level", "warn"],
    { cwd: options.cwd, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    await killProcessGroup(child);
    for (const dir of [persistDir, ...(options.cleanup ?? [])]) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${options.label} wrangler dev exited (${child.exitCode}):\n${output}`);
    }
    if (await options.ready(url).catch(() => false)) return { url, processGroup: () => child.pid, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.label} did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
