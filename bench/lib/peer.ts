// `npm run bench -- --peer <dir>`: a checkout of cloudflare/workers-chat-demo,
// run side by side with the same wrangler. Its code stays out of this
// repository: the bench copies the checkout to a temp dir, lifts the demo's
// per-IP limiter there (one message per 5 s of budget; the bench's single
// address would be refused at once) and starts it with `wrangler dev`.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWranglerDev, type DevServer } from "./wrangler-dev.ts";

export type PeerServer = DevServer;

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

export function startPeer(dir: string): Promise<PeerServer> {
  const copy = preparePeer(dir);
  return startWranglerDev({
    label: "peer",
    config: join(copy, "wrangler.toml"),
    cwd: copy,
    ready: async (url) => (await fetch(url)).status < 500,
    cleanup: [copy],
  });
}
