// `npm run bench -- --peer <dir>`: a checkout of cloudflare/workers-chat-demo,
// run side by side with the same wrangler. Its code stays out of this
// repository: the bench copies the checkout to a temp dir, lifts the demo's
// per-IP limiter there (one message per 5 s of budget; the bench's single
// address would be refused at once) and starts it with `wrangler dev`.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../test/support/server.ts";
import { killProcessGroup } from "./process-group.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

export interface PeerServer {
  url: string;
  stop(): Promise<void>;
}

/** The demo's limiter adds 5 s of cooldown per message; lifted, it adds none. */
const LIMITER_STEP = /this\.nextAllowedTime\s*\+=\s*\d+(\.\d+)?\s*;/;

/** Copies `dir` to a temp dir with the limiter lifted and local tracing on (as for Carryover); throws when the checkout is not the expected one. */
export function preparePeer(dir: string): string {
  const source = join(dir, "src/chat.mjs");
  if (!existsSync(source) || !existsSync(join(dir, "wrangler.toml"))) {
    throw new Error(`--peer ${dir}: not a workers-chat-demo checkout (no src/chat.mjs and wrangler.toml)`);
  }
  const copy = mkdtempSync(join(tmpdir(), "carryover-peer-"));
  cpSync(dir, copy, { recursive: true, filter: (p) => !p.includes("/.git") && !p.includes("/node_modules") });
  const code = readFileSync(join(copy, "src/chat.mjs"), "utf8");
  if (!LIMITER_STEP.test(code)) throw new Error("--peer: could not find the demo's per-IP limiter step (nextAllowedTime += 5) to lift");
  writeFileSync(join(copy, "src/chat.mjs"), code.replace(LIMITER_STEP, "this.nextAllowedTime += 0; /* lifted by Carryover's bench */"));
  // Like with like: local tracing on, as for Carryover and the floor (bench/wrangler.baseline.toml).
  const config = readFileSync(join(copy, "wrangler.toml"), "utf8");
  if (!/^\[observability\]/m.test(config)) writeFileSync(join(copy, "wrangler.toml"), `${config}\n[observability]\nenabled = true\n`);
  return copy;
}

export async function startPeer(dir: string): Promise<PeerServer> {
  const copy = preparePeer(dir);
  const persistDir = mkdtempSync(join(tmpdir(), "carryover-peer-state-"));
  const port = await freePort();
  const inspector = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    WRANGLER,
    ["dev", "--config", join(copy, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
      "--persist-to", persistDir, "--show-interactive-dev-session=false", "--log-level", "warn"],
    { cwd: copy, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    await killProcessGroup(child);
    rmSync(persistDir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`peer wrangler dev exited (${child.exitCode}):\n${output}`);
    }
    try {
      if ((await fetch(url)).status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`peer did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, stop };
}
