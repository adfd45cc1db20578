// startCarryover(): the whole of Carryover inside the test process, on the
// Miniflare API (no wrangler subprocess) — the Worker bundle, its SQLite-backed
// Durable Objects, D1 with every migration applied, R2, Queues and static
// assets, each binding taken from wrangler.toml at build time.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { applyD1Migrations, type D1DatabaseLike } from "./d1-migrations";
import { KitState } from "./kit-state";
import { createTestTenant, type TenantHost, type TenantOptions, type TestTenant } from "./tenant";
import type { WebhookReceiver } from "./webhook-receiver";
import { readWorkerConfig, type WorkerConfig } from "./worker-config";

export interface StartOptions {
  /**
   * Keep state (D1, Durable Objects, R2, queues) in this folder, across
   * starts; the layout is `wrangler dev --persist-to`'s (`<folder>/v3/…`).
   * The kit keeps what it made beside it, in `<folder>/carryover-testing.json`:
   * the admin token and each tenant's identity secret and keys, so the next
   * start on the folder has the same `adminToken` and `cv.tenant` (same id
   * unless `tenant.id` names another) and `createTenant({ id })` gives back a
   * tenant made earlier. Default: a temporary folder removed by `dispose()`
   * (nothing outlives it).
   */
  persistTo?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Extra vars or secrets for the Worker, e.g. `{ RATE_LIMIT_SENDS_PER_DEVICE: "off" }`; they win over the kit's. */
  vars?: Record<string, string>;
  /** Options for `cv.tenant`. */
  tenant?: TenantOptions;
}

export interface Carryover {
  /** Base URL, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /**
   * The tenant made for this instance; with `persistTo`, the one of the last
   * start on that folder (or the one `tenant.id` names) when the kit made it there.
   */
  readonly tenant: TestTenant;
  /**
   * Bearer token of the admin API (`/v1/admin`): `vars.ADMIN_TOKEN` when
   * given, else a random `test-admin-…`, the same on every start on one
   * `persistTo` folder.
   */
  readonly adminToken: string;
  /** The folder state lives in (a temporary one unless `persistTo` was given). */
  readonly persistDir: string;
  /** The running Miniflare instance (bindings, D1, Durable Objects), for what the HTTP API does not show. */
  readonly miniflare: Miniflare;
  /** Another isolated tenant: tests that share one Carryover never see each other's data. */
  createTenant(options?: TenantOptions): Promise<TestTenant>;
  /**
   * Kills the runtime (workerd gets SIGKILL, like a crash) and starts it again
   * on the same storage and port; open sockets drop, stored data stays.
   */
  restart(): Promise<void>;
  /** Stops the runtime, closes webhook receivers, frees the port and removes the temporary folder. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * The kit's own settings; `vars` may override them. DEV_SEED allows
 * http://127.0.0.1 webhook URLs, seeds the demo tenant and turns on the
 * Messenger simulator (/demo/messenger), which GRAPH_API_BASE points every
 * tenant's Messenger sends at. The session secret is fixed so that sessions
 * stored in a `persistTo` folder stay valid on the next run.
 */
function kitVars(adminToken: string, port: number): Record<string, string> {
  return {
    DEV_SEED: "true",
    ADMIN_TOKEN: adminToken,
    SESSION_SECRET: "carryover-testing-session-secret-not-for-production",
    GRAPH_API_BASE: `http://127.0.0.1:${port}/demo/messenger`,
  };
}

/**
 * A port free on 127.0.0.1 right now. Chosen before the boot because the
 * Worker's GRAPH_API_BASE (its own simulator) has to name it.
 */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no free port"))));
    });
  });
}

/** Miniflare's error when workerd cannot bind the port (MiniflareCoreError ERR_ADDRESS_IN_USE). */
function addressInUse(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "ERR_ADDRESS_IN_USE";
}

function miniflareOptions(config: WorkerConfig, persistRoot: string, port: number, vars: Record<string, string>) {
  const { workerOptions } = config;
  const options = convertV4MiniflareOptions({
    host: "127.0.0.1",
    port,
    // Request.cf comes from the internet by default; tests get the placeholder.
    cf: false,
    workers: [
      {
        ...workerOptions,
        name: "carryover",
        modules: true,
        scriptPath: config.scriptPath,
        // Module names are relative to this; the default (the working
        // directory) breaks when the package lies outside it (a hoisted
        // node_modules in a monorepo): workerd refuses "../" in a name.
        modulesRoot: dirname(config.scriptPath),
        bindings: { ...workerOptions.bindings, ...vars },
      },
    ],
  } as Parameters<typeof convertV4MiniflareOptions>[0]);
  // The same layout as `wrangler dev --persist-to <dir>`: <dir>/v3/{d1,do,r2,…}.
  return { ...options, resourcePersistencePath: join(persistRoot, "v3") };
}

async function boot(config: WorkerConfig, persistRoot: string, port: number, vars: Record<string, string>): Promise<{ mf: Miniflare; url: URL }> {
  const mf = new Miniflare(miniflareOptions(config, persistRoot, port, vars));
  try {
    const url = await mf.ready;
    for (const db of config.d1) {
      const d1 = (await mf.getD1Database(db.binding)) as unknown as D1DatabaseLike;
      await applyD1Migrations(d1, db.migrations, db.migrationsTable);
    }
    return { mf, url };
  } catch (err) {
    await mf.dispose().catch(() => undefined);
    throw err;
  }
}

/**
 * Boots Carryover in this process and creates `cv.tenant`.
 * @example
 *   const cv = await startCarryover();
 *   const token = await cv.tenant.mintIdentityToken("alice", { name: "Alice" });
 *   // … createClient({ baseUrl: cv.url, tenant: cv.tenant.id, identityToken: async () => token })
 *   await cv.dispose();
 * @throws Error when the build output is missing (`npm run build`) or the runtime fails to start.
 */
export async function startCarryover(options: StartOptions = {}): Promise<Carryover> {
  const config = readWorkerConfig();
  const ownsDir = !options.persistTo;
  const persistDir = options.persistTo ? resolve(options.persistTo) : mkdtempSync(join(tmpdir(), "carryover-test-"));
  // A temporary folder dies with the instance: nothing there to find again.
  const state = ownsDir ? undefined : KitState.open(persistDir);
  const adminToken = state?.adminToken ?? `test-admin-${crypto.randomUUID()}`;
  const receivers = new Set<WebhookReceiver>();

  let running: { mf: Miniflare; url: URL };
  let vars: Record<string, string>;
  // A port picked free can be taken by someone else before workerd binds it:
  // then try another (a port the caller chose is tried once).
  for (let attempt = 1; ; attempt++) {
    const wantedPort = options.port || (await freePort());
    vars = { ...kitVars(adminToken, wantedPort), ...options.vars };
    try {
      running = await boot(config, persistDir, wantedPort, vars);
      break;
    } catch (err) {
      if (!options.port && attempt < 3 && addressInUse(err)) continue;
      if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
      throw err;
    }
  }
  const url = running.url.origin;
  const port = Number(running.url.port);
  const host: TenantHost = { url, adminToken: vars.ADMIN_TOKEN ?? adminToken, receivers, ...(state ? { book: state } : {}) };

  let disposed: Promise<void> | null = null;
  const dispose = () =>
    (disposed ??= (async () => {
      await Promise.allSettled([...receivers].map((r) => r.close()));
      await running.mf.dispose();
      if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
    })());

  let tenant: TestTenant;
  try {
    const id = options.tenant?.id ?? state?.defaultTenant;
    tenant = await createTestTenant(host, { ...options.tenant, ...(id === undefined ? {} : { id }) });
    if (state) state.defaultTenant = tenant.id;
  } catch (err) {
    await dispose();
    throw err;
  }

  return {
    url,
    tenant,
    adminToken: host.adminToken,
    persistDir,
    get miniflare() {
      return running.mf;
    },
    createTenant: (tenantOptions) => createTestTenant(host, tenantOptions),
    async restart() {
      if (disposed) throw new Error("this Carryover was disposed");
      await running.mf.dispose();
      running = await boot(config, persistDir, port, vars);
    },
    dispose,
  };
}
