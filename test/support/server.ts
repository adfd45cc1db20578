// Starts the real Worker for the Node, e2e and soak tests: through
// carryover/testing (Miniflare in this process: workerd, SQLite-backed Durable
// Objects, D1, R2, Queues, assets) on a free loopback port with its own state
// directory. The bench keeps `wrangler dev` (startWranglerServer), the way
// `npm run dev` runs, so it is measured like its wrangler-dev baseline.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { killProcessGroup } from "../../bench/lib/process-group.ts";
import type { Carryover } from "../../src/testing/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");
mkdirSync(join(ROOT, "dist/public"), { recursive: true });
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

export interface LocalServer {
  url: string;
  port: number;
  persistDir: string;
  /** The testing kit's instance (tenants, Miniflare), when started with startServer. */
  carryover?: Carryover;
  /** Kills workerd and starts it again on the same storage (a crash and restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** What `wrangler dev` printed since its last (re)start (startWranglerServer only). */
  output?(): string;
  /** The process group of `wrangler dev` and its workerd since the last (re)start (startWranglerServer only; the bench prices CPU with it). */
  processGroup?(): number | undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(WRANGLER, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`wrangler ${args[0]} failed (${code}):\n${output}`))));
  });
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${url}/v1`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log()}`);
}

export interface StartOptions {
  /** Extra `--var KEY:VALUE` bindings. */
  vars?: Record<string, string>;
  persistDir?: string;
}

/** The newest modification time under `path` (a file or a directory tree), ms. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * The kit boots the built Worker (dist/worker) and assets (dist/public):
 * `npm test` builds first; a direct vitest run rebuilds here when the build
 * is missing or older than the sources it comes from.
 */
export function ensureBuilt(): void {
  const built = join(ROOT, "dist/worker/config.json");
  const sources = ["src", "migrations", "wrangler.toml"].map((p) => join(ROOT, p)).filter(existsSync);
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) return;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * What every test server runs with: the documented local admin token (the
 * tests mint keys of the demo tenant with it) and limits far above the
 * production ones (src/ratelimit/limits.ts), since tests drive many sessions
 * and messages from one address; a test of the limits passes its own.
 */
const TEST_VARS: Record<string, string> = {
  ADMIN_TOKEN: "dev-admin-token-change-me",
  RATE_LIMIT_SESSIONS_PER_IP: "100000/60",
  RATE_LIMIT_SESSIONS_PER_DEVICE: "100000/60",
  RATE_LIMIT_SENDS_PER_DEVICE: "100000/10",
  RATE_LIMIT_SENDS_PER_IP: "100000/10",
};

/**
 * Carryover through carryover/testing, with the demo tenant (DEV_SEED) the
 * tests use; `restart()` kills workerd and boots it again on the same storage
 * and port.
 */
export async function startServer(options: StartOptions = {}): Promise<LocalServer> {
  ensureBuilt();
  // Loaded on use: src/testing's extensionless imports resolve under vitest
  // but not under plain Node, where `npm run bench` imports this file.
  const { startCarryover } = await import("../../src/testing/index.ts");
  const carryover = await startCarryover({
    ...(options.persistDir ? { persistTo: options.persistDir } : {}),
    vars: { ...TEST_VARS, ...options.vars },
  });
  return {
    url: carryover.url,
    port: Number(new URL(carryover.url).port),
    persistDir: carryover.persistDir,
    carryover,
    restart: () => carryover.restart(),
    stop: () => carryover.dispose(),
  };
}

/** The same server under `wrangler dev` (a subprocess), as `npm run dev` runs it; the bench uses it. */
export async function startWranglerServer(options: StartOptions = {}): Promise<LocalServer> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "carryover-"));
  const ownsDir = options.persistDir === undefined;
  const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], env);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The production rate limits (src/ratelimit/limits.ts) are tight; tests that
  // drive many sessions and messages from one address set their own, and a
  // test of the limits themselves passes its own values in `vars`.
  const vars = {
    DEV_SEED: "true",
    RATE_LIMIT_SESSIONS_PER_IP: "100000/60",
    RATE_LIMIT_SESSIONS_PER_DEVICE: "100000/60",
    RATE_LIMIT_SENDS_PER_DEVICE: "100000/10",
    RATE_LIMIT_SENDS_PER_IP: "100000/10",
    ...options.vars,
  };
  let child: ChildProcess;
  let output = "";

  const boot = async () => {
    const inspector = await freePort();
    output = "";
    child = spawn(
      WRANGLER,
      [
        "dev",
        "src/dev/worker.ts",
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--inspector-port", String(inspector),
        "--persist-to", persistDir,
        "--show-interactive-dev-session=false",
        "--log-level", "warn",
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    await waitUntilUp(url, child, () => output);
  };

  // wrangler starts workerd as a child: end the whole process group.
  const kill = () => killProcessGroup(child);

  await boot();
  return {
    url,
    port,
    persistDir,
    async restart() {
      await kill();
      await boot();
    },
    async stop() {
      await kill();
      if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
    },
    output: () => output,
    processGroup: () => child.pid,
  };
}
