// `npm run bench`: measures Carryover on the real runtime (workerd through
// `wrangler dev`, persisted storage in a temp dir) against a no-op Worker →
// Durable Object baseline measured the same way in the same run, prints a
// table and writes bench/results.json. See bench/BENCHMARKS.md.
//
//   npm run bench -- [--rounds 5] [--seconds 2] [--clients 32] [--conversations 100]
//                    [--messages 500] [--sockets 100] [--events 10000] [--strict]
//                    [--uploads 5] [--upload-mib 10] [--only uploads]
//                    [--broadcast [--recipients 10000]] [--broadcast-only]
//                    [--peer <workers-chat-demo checkout>] [--big-thread 100000] [--memory-sockets 1000]
//                    [--only uploads|fanout|catchup|throughput|bigthread|memory]
//                    [--webhook-isolation [--failing-conversations 1000] [--backlog 2]
//                     [--hook-failure 500|hang] [--retry-after none|<seconds>]] [--only webhook-isolation]
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startWranglerServer as startServer, type LocalServer } from "../test/support/server.ts";
import { startBaseline, type BaselineServer } from "./lib/baseline-server.ts";
import { ensureAssetsBuilt, runtimeVersions } from "./lib/project.ts";
import { identityToken, inBatches, openConversation, openSession, type Session } from "./lib/carryover.ts";
import { closedLoop, type LoadOptions, type LoadResult } from "./lib/load.ts";
import { roundSeries, summarize, type Summary } from "./lib/stats.ts";
import { workerBundleSize, widgetSize } from "./lib/sizes.ts";
import { catchUpOverHttp, catchUpOverLive, seedConversation } from "./lib/catch-up.ts";
import { fanOut } from "./lib/fan-out.ts";
import { liveAvailable } from "./lib/live.ts";
import { measureUploads } from "./lib/uploads.ts";
import { seedBroadcastAudience, timeBroadcast, timePlainAppends } from "./lib/broadcast.ts";
import { rmSync } from "node:fs";
import { chatDemoRoom, floorRoom, openRoom, p50p99, type OpenRoom } from "./lib/socket-fan-out.ts";
import { carryoverRoom } from "./lib/carryover-room.ts";
import { startPeer, type PeerServer } from "./lib/peer.ts";
import { workerdRssMiB } from "./lib/memory.ts";
import { processGroupCpuMs } from "./lib/process-group.ts";
import {
  createEndpoint,
  createTenant,
  customerThread,
  FailingReceiver,
  firstAttemptsFrom,
  seedFailingConversations,
  type FailureMode,
} from "./lib/webhook-isolation.ts";

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    /** Unmeasured load (ms) before each throughput round of each scenario: the rounds interleave ten scenarios, so without it every round would start on objects evicted while the others ran (0: none). */
    "round-warmup": { type: "string", default: "1000" },
    seconds: { type: "string", default: "2" },
    /**
     * Idle time (ms) after each turn of a 100-conversation append scenario, before the next
     * scenario: the work those threads defer past their window (their last directory push, the
     * end of their busy spell) runs there, not inside the next scenario's measured window (0: none;
     * see "Each scenario pays for its own upkeep" in bench/BENCHMARKS.md).
     */
    settle: { type: "string", default: "6500" },
    clients: { type: "string", default: "32" },
    conversations: { type: "string", default: "100" },
    messages: { type: "string", default: "500" },
    sockets: { type: "string", default: "100" },
    events: { type: "string", default: "10000" },
    /** Also measure broadcast fan-out (Queues) for --recipients subscribers vs as many plain appends. */
    broadcast: { type: "boolean", default: false },
    /** Only the broadcast measurement (no sizes, throughput, catch-up or live fan-out). */
    "broadcast-only": { type: "boolean", default: false },
    recipients: { type: "string", default: "10000" },
    /** Exit 1 when a target is missed (for CI); by default a miss is only reported. */
    strict: { type: "boolean", default: false },
    /** Uploads of --upload-mib MiB each, through the Worker and as a plain R2 put (0 skips them). */
    uploads: { type: "string", default: "5" },
    "upload-mib": { type: "string", default: "10" },
    /** Measure one part only: uploads, fanout, catchup, throughput, bigthread, memory or webhook-isolation (no sizes). */
    only: { type: "string" },
    /** A checkout of cloudflare/workers-chat-demo to run side by side (copied, its per-IP limiter lifted); rows skipped without it. */
    peer: { type: "string" },
    /** Events in the long thread whose append rate is compared with an empty thread's (0 skips it). */
    "big-thread": { type: "string", default: "100000" },
    /** Sockets opened (and left to hibernate) on one conversation before workerd's memory is read (0 skips it). */
    "memory-sockets": { type: "string", default: "1000" },
    /** Also measure another tenant's appends while --failing-conversations outboxes retry a failing endpoint. */
    "webhook-isolation": { type: "boolean", default: false },
    "failing-conversations": { type: "string", default: "1000" },
    /** Messages (so pending deliveries) per failing conversation. */
    backlog: { type: "string", default: "2" },
    /** "500": the receiver answers 500 at once; "hang": it never answers (the 15 s timeout). */
    "hook-failure": { type: "string", default: "500" },
    /** Retry-After seconds sent with each 500 ("none": the normal 5 s, 5 min, … schedule; 1: a retry every second). */
    "retry-after": { type: "string", default: "none" },
  },
});
const ROUNDS = Number(flags.rounds);
const ROUND_MS = Number(flags.seconds) * 1000;
const CLIENTS = Number(flags.clients);
const SPREAD = Number(flags.conversations);
const FANOUT_MESSAGES = Number(flags.messages);
const FANOUT_SOCKETS = Number(flags.sockets);
const CATCHUP_EVENTS = Number(flags.events);
const UPLOADS = Number(flags.uploads);
const UPLOAD_MIB = Number(flags["upload-mib"]);

const BIG_THREAD = Number(flags["big-thread"]);
const MEMORY_SOCKETS = Number(flags["memory-sockets"]);

/** The targets of issue #10, each a ratio or a time measured in the same run. */
const TARGETS = {
  appendRatioOne: 0.75,
  appendRatioSpread: 0.65,
  sessionRatio: 0.5,
  socketToFloor: 1.3,
  socketToPeer: 1.0,
  liveReplayMs: 400,
  catchUpMs: 250,
  bigThreadRatio: 0.9,
  bundleGzipBytes: 110 * 1024,
  webhookIsolationRatio: 0.9,
} as const;

/** The rate-limit vars of src/ratelimit/limits.ts, raised far above what the bench sends. */
const RAISED_LIMITS = {
  RATE_LIMIT_SESSIONS_PER_IP: "1000000/60",
  RATE_LIMIT_SESSIONS_PER_DEVICE: "1000000/60",
  RATE_LIMIT_SENDS_PER_DEVICE: "1000000/10",
  RATE_LIMIT_SENDS_PER_IP: "1000000/10",
  RATE_LIMIT_UPLOADS_PER_DEVICE: "1000000/60",
};

const LIMITS_OFF = {
  RATE_LIMIT_SESSIONS_PER_IP: "off",
  RATE_LIMIT_SESSIONS_PER_DEVICE: "off",
  RATE_LIMIT_SENDS_PER_DEVICE: "off",
  RATE_LIMIT_SENDS_PER_IP: "off",
  RATE_LIMIT_UPLOADS_PER_DEVICE: "off",
};

/** Ctrl-C must not leave wrangler/workerd behind. */
function stopOnSignal(servers: { stop(): Promise<void> }[]): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.allSettled(servers.map((s) => s.stop())).then(() => process.exit(130));
    });
  }
}

const started = Date.now();
function log(line: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);
}

interface Row {
  metric: string;
  median: string;
  spread: string;
  target: string;
  result: string;
}

const rows: Row[] = [];
const results: Record<string, unknown> = {};

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

function row(metric: string, s: Summary | null, unit: string, digits: number, target = "", pass?: boolean): void {
  rows.push({
    metric,
    median: s ? `${fmt(s.median, digits)} ${unit}` : "n/a",
    spread: s ? `${fmt(s.min, digits)} – ${fmt(s.max, digits)}` : "",
    target,
    result: pass === undefined ? "" : pass ? "pass" : "FAIL",
  });
}

function textRow(metric: string, text: string, target = ""): void {
  rows.push({ metric, median: text, spread: "", target, result: "" });
}

function appendBody(tag: string, n: number): string {
  return JSON.stringify({ clientId: `${tag}-${n}`, content: { type: "text", text: `bench message ${n}` } });
}

async function main(): Promise<void> {
  ensureAssetsBuilt(log);
  if (flags["broadcast-only"]) return broadcastOnly();
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    ...runtimeVersions(),
  };
  results.machine = machine;
  results.settings = { rounds: ROUNDS, roundSeconds: ROUND_MS / 1000, clients: CLIENTS, conversations: SPREAD };
  log(`machine: ${JSON.stringify(machine)}`);
  if (flags.only === "uploads") return onlyUploads();
  if (flags.only === "webhook-isolation") return onlyWebhookIsolation();
  if (flags.only) return onlyPart(flags.only);

  // Sizes first: they need no server.
  log("building the Worker bundle (wrangler deploy --dry-run)");
  const bundle = await workerBundleSize();
  const minified = await workerBundleSize(["--minify"]);
  const widget = widgetSize();
  results.sizes = { bundle, bundleMinified: { bytes: minified.bytes, gzipBytes: minified.gzipBytes }, widget };
  if (bundle.benchInputs.length > 0) throw new Error(`bench code leaked into the Worker bundle: ${bundle.benchInputs.join(", ")}`);

  let server: LocalServer | undefined;
  let unlimited: LocalServer | undefined;
  let baseline: BaselineServer | undefined;
  let plainFloor: BaselineServer | undefined;
  let peer: PeerServer | null = null;
  try {
    log("starting the Worker (twice: rate limits raised, and off) and the baseline Worker (wrangler dev)");
    // Rate limits stay on (their cost is part of every append and session)
    // but are raised so that no request of the bench is refused. A second
    // instance with the limits off shows what the limiter round trips cost.
    [server, unlimited, baseline, plainFloor] = await Promise.all([
      startServer({ vars: RAISED_LIMITS }),
      startServer({ vars: LIMITS_OFF }),
      startBaseline(),
      startBaseline({ assets: false }),
    ]);
    stopOnSignal([server, unlimited, baseline, plainFloor]);
    await measureThroughput(server, unlimited, baseline, plainFloor);
    await Promise.all([unlimited.stop(), plainFloor.stop()]);
    unlimited = undefined;
    plainFloor = undefined;
    await measureCatchUp(server);
    await measureFanOut(server);
    peer = flags.peer ? await startPeer(flags.peer) : null;
    await measureSocketFanOut(server, baseline, peer);
    await peer?.stop();
    peer = null;
    await measureBigThread(server);
    await measureMemory(server);
    await measureUploadThroughput(server, baseline);
  } finally {
    await Promise.all([server?.stop(), unlimited?.stop(), baseline?.stop(), plainFloor?.stop(), peer?.stop()]);
  }
  if (flags.broadcast) await measureBroadcast();
  if (flags["webhook-isolation"]) await measureWebhookIsolation();

  row("Worker bundle, gzip (as configured)", summarize([bundle.gzipBytes / 1024]), "KiB", 1, "≤ 110 KiB", bundle.gzipBytes <= TARGETS.bundleGzipBytes);
  row("Worker bundle, gzip (with --minify)", summarize([minified.gzipBytes / 1024]), "KiB", 1, "info");
  if (widget) row(`widget (${widget.path}), gzip`, summarize([widget.gzipBytes / 1024]), "KiB", 1, "info");
  else textRow("widget, gzip", "not built (npm run build)", "info");

  results.table = rows;
  results.finishedAt = new Date().toISOString();
  results.seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(join(import.meta.dirname, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  printTable();
  log(`done in ${results.seconds} s; wrote bench/results.json`);
  if (flags.strict && rows.some((r) => r.result === "FAIL")) process.exitCode = 1;
}

// ---------------------------------------------------------------------------
// Throughput: baseline vs appends (one conversation, spread), sessions.

interface Targets {
  url: string;
  oneConversation: string;
  oneDevices: Session[];
  spread: { session: Session; conversation: string }[];
  /** Pre-signed identity tokens (signing is client work, kept out of the timed window). */
  identityTokens: string[];
}

/** 32 devices of one person on one conversation, and 100 people with a conversation each. */
async function targetsOn(url: string, runId: string): Promise<Targets> {
  const oneUser = `bench-one-${runId}`;
  const first = await openSession(url, oneUser);
  const oneConversation = await openConversation(url, first.sessionToken);
  const oneDevices: Session[] = [first, ...(await inBatches(Array.from({ length: CLIENTS - 1 }), 8, () => openSession(url, oneUser)))];
  const spread = await inBatches(Array.from({ length: SPREAD }, (_, i) => `bench-spread-${runId}-${i}`), 8, async (user) => {
    const session = await openSession(url, user);
    return { session, conversation: await openConversation(url, session.sessionToken) };
  });
  const identityTokens = await Promise.all(Array.from({ length: 200 }, (_, i) => identityToken(`bench-session-${runId}-${i}`)));
  return { url, oneConversation, oneDevices, spread, identityTokens };
}

/** Where a scenario's requests go: a server's base URL, and the CPU time (ms) its processes have used so far (null where it cannot be read). */
interface ServerRef {
  url: string;
  cpu: () => number | null;
}

interface Scenario extends ServerRef {
  request: (tag: string) => LoadOptions["request"];
}

/** A server as scenarios name it: its URL and its process group's CPU reading (processGroupCpuMs; null without a group, or off Linux). */
function refOf(server: { url: string; processGroup?(): number | undefined }): ServerRef {
  return {
    url: server.url,
    cpu: () => {
      const pgid = server.processGroup?.();
      return pgid === undefined ? null : processGroupCpuMs(pgid);
    },
  };
}

/** A floor scenario: POSTs an append-sized body to `path(n)` of the baseline Worker. */
function floorScenario(server: ServerRef, path: (n: number) => string, tag: string): Scenario {
  return { ...server, request: () => (_c, n) => ({ method: "POST", path: path(n), body: appendBody(tag, n) }) };
}

function appendScenarios(t: Targets, server: ServerRef): { one: Scenario; spread: Scenario; sessions: Scenario } {
  return {
    one: {
      ...server,
      request: (tag) => (c, n) => ({
        method: "POST",
        path: `/v1/conversations/${t.oneConversation}/messages`,
        headers: { authorization: `Bearer ${t.oneDevices[c % t.oneDevices.length]!.sessionToken}` },
        body: appendBody(tag, n),
      }),
    },
    spread: {
      ...server,
      request: (tag) => (_c, n) => {
        const target = t.spread[n % t.spread.length]!;
        return {
          method: "POST",
          path: `/v1/conversations/${target.conversation}/messages`,
          headers: { authorization: `Bearer ${target.session.sessionToken}` },
          body: appendBody(tag, n),
        };
      },
    },
    sessions: {
      ...server,
      request: () => (_c, n) => ({
        method: "POST",
        path: "/v1/sessions",
        body: JSON.stringify({ tenant: "demo", identityToken: t.identityTokens[n % t.identityTokens.length] }),
      }),
    },
  };
}

/**
 * The throughput rows. `baseline` is the floor Worker behind the same
 * static-assets layer as Carryover (the targets' denominator); `plainFloor`
 * is the same Worker without that layer, as the floor was measured before
 * 2026-12-01 — its rows are info, for comparison with earlier runs.
 */
async function measureThroughput(server: LocalServer, unlimited: LocalServer, baseline: BaselineServer, plainFloor: BaselineServer): Promise<void> {
  log(`setup: ${CLIENTS} devices on one conversation, ${SPREAD} people with a conversation each (on both instances)`);
  const runId = Date.now().toString(36);
  const [limited, off, evictedTargets] = await Promise.all([
    targetsOn(server.url, runId),
    targetsOn(unlimited.url, runId),
    targetsOn(server.url, `${runId}e`),
  ]);
  const carryover = refOf(server);
  const on = appendScenarios(limited, carryover);
  const free = appendScenarios(off, refOf(unlimited));
  // Their own conversations, people and baseline objects, touched only in
  // their own turn of each round (≈ 35 s apart, workerd evicts an idle object
  // after ≈ 10 s) and never warmed before it: every round starts on evicted
  // objects, as a sign-in usually does.
  const evicted = appendScenarios(evictedTargets, carryover);
  const floor = refOf(baseline);
  const plain = refOf(plainFloor);
  const scenarios: Record<string, Scenario> = {
    "baseline, 1 DO": floorScenario(floor, () => "/noop/one", "noop"),
    "baseline + 1 SQLite write, 1 DO": floorScenario(floor, () => "/write/one", "write"),
    "append, 1 conversation": on.one,
    "append, 1 conversation, limits off": free.one,
    "baseline, 100 DOs": floorScenario(floor, (n) => `/noop/spread-${n % SPREAD}`, "noop"),
    "baseline + 1 SQLite write, 100 DOs": floorScenario(floor, (n) => `/write/spread-${n % SPREAD}`, "write"),
    "append, 100 conversations": on.spread,
    "append, 100 conversations, limits off": free.spread,
    "session creation": on.sessions,
    "session creation, limits off": free.sessions,
    "baseline, 100 DOs, evicted": floorScenario(floor, (n) => `/noop/evicted-${n % SPREAD}`, "noop"),
    "append, 100 conversations, evicted": evicted.spread,
    "session creation, evicted": evicted.sessions,
    "plain floor, 1 DO": floorScenario(plain, () => "/noop/one", "noop"),
    "plain floor, 100 DOs": floorScenario(plain, (n) => `/noop/spread-${n % SPREAD}`, "noop"),
  };
  const notWarmed = new Set(["baseline, 100 DOs, evicted", "append, 100 conversations, evicted", "session creation, evicted"]);
  // Each scenario pays for its own upkeep, and no other does. A busy thread's directory upkeep is
  // one push a second inside the window; what a 100-conversation scenario defers past its window
  // (its threads' last pushes, and QUIET_MS later the end of their busy spells, one timer write
  // each) runs in --settle ms of idle time after it. A spell shorter than BACKSTOP_MS (30 s, as
  // here) runs no alarm (src/conversation/directory-sync.ts).
  const leavesUpkeep = new Set(["append, 100 conversations", "append, 100 conversations, limits off", "append, 100 conversations, evicted"]);
  const settleMs = Number(flags.settle);
  const settle = async (name: string) => {
    if (settleMs > 0 && leavesUpkeep.has(name)) await new Promise((r) => setTimeout(r, settleMs));
  };

  let seq = 0;
  const run = (name: string, tag: string, durationMs: number): Promise<LoadResult> =>
    closedLoop(scenarios[name]!.url, { clients: CLIENTS, durationMs, request: scenarios[name]!.request(tag) });

  log("warm-up");
  for (const name of Object.keys(scenarios)) {
    const r = await run(name, `warm-${seq++}`, 1000);
    if (r.failed > 0) throw new Error(`warm-up of "${name}" failed: ${r.firstFailure}`);
    await settle(name);
  }

  // Rounds interleave every scenario, so slow drift (other load on the
  // machine, heap growth) hits baseline and appends alike.
  const perRound: Record<string, LoadResult[]> = {};
  // CPU per request: what the scenario's server processes used over its window and its idle time
  // after (--settle, where a 100-conversation scenario's deferred upkeep runs), per answered request.
  const cpuPerRound: Record<string, (number | null)[]> = {};
  const roundWarmup = Number(flags["round-warmup"]);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of Object.keys(scenarios)) {
      if (roundWarmup > 0 && !notWarmed.has(name)) await run(name, `rw${round}-${seq++}`, roundWarmup);
      const cpuBefore = scenarios[name]!.cpu();
      const r = await run(name, `r${round}-${seq++}`, ROUND_MS);
      if (r.failed > 0) throw new Error(`"${name}" had ${r.failed} failures: ${r.firstFailure} ${JSON.stringify(r.statuses)}`);
      if (r.connections > CLIENTS) throw new Error(`"${name}" opened ${r.connections} connections for ${CLIENTS} clients`);
      (perRound[name] ??= []).push(r);
      await settle(name);
      const cpuAfter = scenarios[name]!.cpu();
      (cpuPerRound[name] ??= []).push(cpuBefore === null || cpuAfter === null || r.ok === 0 ? null : (cpuAfter - cpuBefore) / r.ok);
    }
    log(
      `round ${round}/${ROUNDS}: ` +
        Object.entries(perRound)
          .map(([name, rs]) => `${name} ${rs.at(-1)!.rps.toFixed(0)}/s`)
          .join(", "),
    );
  }
  results.throughput = perRound;
  results.cpuPerRequest = cpuPerRound;

  const { of: rps, ratio } = roundSeries(Object.fromEntries(Object.entries(perRound).map(([name, rs]) => [name, rs.map((r) => r.rps)])));
  const oneRatio = ratio("append, 1 conversation", "baseline, 1 DO");
  const spreadRatio = ratio("append, 100 conversations", "baseline, 100 DOs");
  results.ratios = {
    oneConversation: oneRatio,
    spread: spreadRatio,
    oneConversationLimitsOff: ratio("append, 1 conversation, limits off", "baseline, 1 DO"),
    writeFloor: ratio("baseline + 1 SQLite write, 1 DO", "baseline, 1 DO"),
    spreadLimitsOff: ratio("append, 100 conversations, limits off", "baseline, 100 DOs"),
    spreadWriteFloor: ratio("baseline + 1 SQLite write, 100 DOs", "baseline, 100 DOs"),
    oneConversationToPlainFloor: ratio("append, 1 conversation", "plain floor, 1 DO"),
    spreadToPlainFloor: ratio("append, 100 conversations", "plain floor, 100 DOs"),
    sessionsToPlainFloor: ratio("session creation", "plain floor, 100 DOs"),
    assetsLayer: ratio("baseline, 1 DO", "plain floor, 1 DO"),
  };

  row(`baseline no-op Worker→DO (behind the assets layer), 1 DO (${CLIENTS} clients)`, rps("baseline, 1 DO"), "req/s", 0);
  row("append, 1 conversation", rps("append, 1 conversation"), "req/s", 0);
  row("  ratio to baseline", oneRatio, "×", 2, "≥ 0.75", oneRatio.median >= TARGETS.appendRatioOne);
  row("  same, rate limits off: ratio", ratio("append, 1 conversation, limits off", "baseline, 1 DO"), "×", 2, "info");
  row("baseline + 1 SQLite write, 1 DO: ratio", ratio("baseline + 1 SQLite write, 1 DO", "baseline, 1 DO"), "×", 2, "info");
  row(`baseline no-op Worker→DO, ${SPREAD} DOs`, rps("baseline, 100 DOs"), "req/s", 0);
  row(`append, ${SPREAD} conversations`, rps("append, 100 conversations"), "req/s", 0);
  row("  ratio to baseline", spreadRatio, "×", 2, "≥ 0.65", spreadRatio.median >= TARGETS.appendRatioSpread);
  row("  same, rate limits off: ratio", ratio("append, 100 conversations, limits off", "baseline, 100 DOs"), "×", 2, "info");
  row(`baseline + 1 SQLite write, ${SPREAD} DOs: ratio`, ratio("baseline + 1 SQLite write, 100 DOs", "baseline, 100 DOs"), "×", 2, "info");
  row("session creation (identity token → session)", rps("session creation"), "req/s", 0);
  const sessionRatio = ratio("session creation", "baseline, 100 DOs");
  row(`  ratio to baseline (${SPREAD} DOs)`, sessionRatio, "×", 2, "≥ 0.50", sessionRatio.median >= TARGETS.sessionRatio);
  row("  same, rate limits off: ratio", ratio("session creation, limits off", "baseline, 100 DOs"), "×", 2, "info");
  row(
    `append, ${SPREAD} conversations, objects evicted: ratio to the no-op on evicted objects`,
    ratio("append, 100 conversations, evicted", "baseline, 100 DOs, evicted"),
    "×",
    2,
    "info",
  );
  row(
    "session creation, objects evicted: same ratio",
    ratio("session creation, evicted", "baseline, 100 DOs, evicted"),
    "×",
    2,
    "info",
  );
  row("append latency p50, 1 conversation", summarize(perRound["append, 1 conversation"]!.map((r) => r.p50Ms)), "ms", 1, "info");
  row("floor without the static-assets layer, 1 DO (as before 2026-12-01)", rps("plain floor, 1 DO"), "req/s", 0, "info");
  row("  the assets layer: floor with it / without it, 1 DO", ratio("baseline, 1 DO", "plain floor, 1 DO"), "×", 2, "info");
  row("  append, 1 conversation / this floor", ratio("append, 1 conversation", "plain floor, 1 DO"), "×", 2, "info");
  row(`floor without the static-assets layer, ${SPREAD} DOs`, rps("plain floor, 100 DOs"), "req/s", 0, "info");
  row(`  append, ${SPREAD} conversations / this floor`, ratio("append, 100 conversations", "plain floor, 100 DOs"), "×", 2, "info");
  row(`  session creation / this floor`, ratio("session creation", "plain floor, 100 DOs"), "×", 2, "info");
  cpuRows(cpuPerRound);
}

/**
 * Info rows: the CPU time each request cost its server's processes (wrangler
 * and workerd, read from /proc), and Carryover's against the floors' in the
 * same round. Throughput on a shared 2-core machine also moves with how much
 * of it the server got (the load client, the scheduler); CPU per request
 * prices the work alone, though a slowed host still shows in it. Skipped
 * where /proc cannot be read.
 */
function cpuRows(perRound: Record<string, (number | null)[]>): void {
  const { of: ms, ratio } = roundSeries(perRound);
  if (!ms("append, 1 conversation")) return;
  row("CPU per request (the server's wrangler + workerd, /proc), baseline no-op, 1 DO", ms("baseline, 1 DO"), "ms", 2, "info");
  row("  append, 1 conversation", ms("append, 1 conversation"), "ms", 2, "info");
  row("    / baseline, 1 DO", ratio("append, 1 conversation", "baseline, 1 DO"), "×", 2, "info");
  row("    / baseline + 1 SQLite write, 1 DO", ratio("append, 1 conversation", "baseline + 1 SQLite write, 1 DO"), "×", 2, "info");
  row(`  baseline no-op, ${SPREAD} DOs`, ms("baseline, 100 DOs"), "ms", 2, "info");
  row(`  baseline + 1 SQLite write, ${SPREAD} DOs`, ms("baseline + 1 SQLite write, 100 DOs"), "ms", 2, "info");
  row(`  append, ${SPREAD} conversations (with its idle time after)`, ms("append, 100 conversations"), "ms", 2, "info");
  row(`    / baseline, ${SPREAD} DOs`, ratio("append, 100 conversations", "baseline, 100 DOs"), "×", 2, "info");
  row(`    / baseline + 1 SQLite write, ${SPREAD} DOs`, ratio("append, 100 conversations", "baseline + 1 SQLite write, 100 DOs"), "×", 2, "info");
  row("  session creation", ms("session creation"), "ms", 2, "info");
  row(`    / baseline, ${SPREAD} DOs`, ratio("session creation", "baseline, 100 DOs"), "×", 2, "info");
}

// ---------------------------------------------------------------------------
// Broadcast fan-out on Queues (--broadcast / --broadcast-only): one broadcast
// to --recipients subscribers (a new thread each), timed from POST to
// "completed", against as many plain bot appends in the same run.

async function measureBroadcast(): Promise<void> {
  const recipients = Number(flags.recipients);
  const runId = Date.now().toString(36);
  const topic = `bench-${runId}`;
  log(`broadcast: seeding ${recipients} subscribers into a fresh local D1`);
  const dir = await seedBroadcastAudience(recipients, topic, runId);
  const server = await startServer({ persistDir: dir, vars: RAISED_LIMITS });
  stopOnSignal([server]);
  try {
    log(`broadcast: fan-out to ${recipients} recipients`);
    const fan = await timeBroadcast(server.url, topic, "dev-admin-token-change-me");
    if (fan.delivered !== recipients) throw new Error(`broadcast delivered ${fan.delivered} of ${recipients} (failed ${fan.failed})`);
    log(`broadcast: ${recipients} plain bot appends over ${SPREAD} conversations, ${CLIENTS} at a time`);
    const plain = await timePlainAppends(server.url, recipients, SPREAD, CLIENTS, runId);
    const ratio = fan.recipientsPerSecond / plain.perSecond;
    results.broadcast = { recipients, fanOut: fan, plainAppends: plain, ratio };
    row(`broadcast fan-out, ${recipients} recipients`, summarize([fan.recipientsPerSecond]), "recipients/s", 0, "info");
    row(`plain appends, ${recipients} (${CLIENTS} clients)`, summarize([plain.perSecond]), "appends/s", 0, "info");
    row("broadcast ÷ plain appends", summarize([ratio]), "×", 2, "info");
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function broadcastOnly(): Promise<void> {
  await measureBroadcast();
  results.table = rows;
  results.finishedAt = new Date().toISOString();
  writeFileSync(join(import.meta.dirname, "results-broadcast.json"), `${JSON.stringify(results, null, 2)}\n`);
  printTable();
  log("done; wrote bench/results-broadcast.json");
}

// ---------------------------------------------------------------------------
// Catch-up: a new device syncing a long conversation.

async function measureCatchUp(server: LocalServer): Promise<void> {
  const user = `bench-catchup-${Date.now().toString(36)}`;
  const writer = await openSession(server.url, user);
  const conversation = await openConversation(server.url, writer.sessionToken);
  const hasLive = await liveAvailable(server.url, writer.sessionToken, conversation);
  log(`catch-up: seeding ${CATCHUP_EVENTS} events into one conversation (${hasLive ? "send frames on a live socket" : "HTTP"})`);
  await seedConversation(server.url, writer.sessionToken, conversation, CATCHUP_EVENTS, CLIENTS, hasLive);

  const http: number[] = [];
  const live: number[] = [];
  const liveBatched: number[] = [];
  const liveFailures: string[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    // A new device each round: its session is opened before the clock starts.
    const device = await openSession(server.url, user);
    const ms = await catchUpOverHttp(server.url, device.sessionToken, conversation, CATCHUP_EVENTS, 500);
    if (round > 0) http.push(ms); // round 0 warms up
    if (hasLive) {
      // A replay cut off by a dropped socket is counted and measured again.
      for (const [batch, into] of [[true, liveBatched], [false, live]] as const) {
        for (let attempt = 1; ; attempt++) {
          try {
            const liveMs = await catchUpOverLive(server.url, device.sessionToken, conversation, CATCHUP_EVENTS, batch);
            if (round > 0) into.push(liveMs);
            break;
          } catch (err) {
            liveFailures.push(String(err));
            if (attempt === 3) throw err;
          }
        }
      }
    }
  }
  results.catchUp = { events: CATCHUP_EVENTS, httpMs: http, liveMs: liveBatched, livePerEventMs: live, liveFailures };
  const httpSummary = summarize(http);
  row(`catch-up ${CATCHUP_EVENTS} events, HTTP pages of 500`, httpSummary, "ms", 0, "≤ 250 ms", httpSummary.median <= TARGETS.catchUpMs);
  if (hasLive) {
    const liveSummary = summarize(liveBatched);
    // A new device syncs history over HTTP pages (the SDK does); the socket replay is for a device a little behind.
    row(`catch-up ${CATCHUP_EVENTS} events, live socket replay (batched, as the SDK asks)`, liveSummary, "ms", 0, "≤ 400 ms", liveSummary.median <= TARGETS.liveReplayMs);
    row(`  same, one frame per event (a client that does not ask)`, summarize(live), "ms", 0, "info");
  } else {
    textRow("catch-up over the live socket", "no live endpoint");
  }
}

// ---------------------------------------------------------------------------
// Live fan-out: one message to many sockets on one conversation.

async function measureFanOut(server: LocalServer): Promise<void> {
  const user = `bench-fanout-${Date.now().toString(36)}`;
  const sender = await openSession(server.url, user);
  const conversation = await openConversation(server.url, sender.sessionToken);
  if (!(await liveAvailable(server.url, sender.sessionToken, conversation))) {
    log("fan-out: the live endpoint is not there; skipped");
    textRow("live fan-out", "no live endpoint", "info");
    return;
  }
  log(`fan-out: ${FANOUT_SOCKETS} sockets, ${FANOUT_MESSAGES} messages`);
  const result = await fanOut(server.url, user, conversation, sender.sessionToken, {
    sockets: FANOUT_SOCKETS,
    messages: FANOUT_MESSAGES,
    warmup: 20,
  });
  results.fanOut = result;
  const one = (v: number) => summarize([v]);
  row(`HTTP send → ${FANOUT_SOCKETS} sockets, p50 (${FANOUT_MESSAGES} msgs)`, one(result.p50Ms), "ms", 1);
  row("  p95", one(result.p95Ms), "ms", 1);
  row("  p99", one(result.p99Ms), "ms", 1, "info");
  textRow("  of which the HTTP append (send → 201), p50 / p99", `${fmt(result.appendP50Ms, 1)} / ${fmt(result.appendP99Ms, 1)} ms`, "info");
  textRow("  first → last socket, p50 / p99", `${fmt(result.spreadP50Ms, 1)} / ${fmt(result.spreadP99Ms, 1)} ms`, "info");
}

// ---------------------------------------------------------------------------
// Socket fan-out (issue #10): one sender socket, FANOUT_SOCKETS receivers in
// one room; Carryover against the minimal broadcast room of the baseline
// Worker (the floor) and, with --peer, cloudflare/workers-chat-demo. Rounds
// interleave the servers; ratios are taken per round.

async function measureSocketFanOut(server: LocalServer, baseline: BaselineServer, peer: PeerServer | null): Promise<void> {
  const runId = Date.now().toString(36);
  const user = `bench-socket-${runId}`;
  const sender = await openSession(server.url, user);
  const conversation = await openConversation(server.url, sender.sessionToken);
  log(`socket fan-out: ${FANOUT_SOCKETS} sockets on Carryover, the floor room${peer ? " and workers-chat-demo" : ""}`);
  const rooms: Record<string, OpenRoom> = {};
  try {
    rooms.carryover = await openRoom(await carryoverRoom(server.url, user, conversation, FANOUT_SOCKETS), FANOUT_SOCKETS);
    // Info: the same room as a client that does not ask for a direct socket sees it (through the Worker relay).
    const relayedUser = `${user}-relayed`;
    const relayedSender = await openSession(server.url, relayedUser);
    const relayedConversation = await openConversation(server.url, relayedSender.sessionToken);
    rooms.carryoverRelayed = await openRoom(await carryoverRoom(server.url, relayedUser, relayedConversation, FANOUT_SOCKETS, { relayed: true }), FANOUT_SOCKETS);
    rooms.floor = await openRoom(floorRoom(baseline.url, `floor-${runId}`), FANOUT_SOCKETS);
    // Info: the floor with what Carryover pays on top of it by design, one handicap at a time and both.
    rooms.floorRelay = await openRoom(floorRoom(baseline.url, `floor-relay-${runId}`, { behindRelay: true }), FANOUT_SOCKETS);
    rooms.floorSized = await openRoom(floorRoom(baseline.url, `floor-sized-${runId}`, { eventSized: true }), FANOUT_SOCKETS);
    rooms.floorBoth = await openRoom(floorRoom(baseline.url, `floor-both-${runId}`, { behindRelay: true, eventSized: true }), FANOUT_SOCKETS);
    if (peer) rooms.peer = await openRoom(chatDemoRoom(peer.url, `bench${runId}`), FANOUT_SOCKETS);
    const perRound = Math.max(10, Math.round(FANOUT_MESSAGES / ROUNDS));
    const latencies: Record<string, number[][]> = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, room] of Object.entries(rooms)) {
        (latencies[name] ??= []).push(await room.measure(perRound, round === 1 ? 10 : 2, `${name}-r${round}`));
      }
      log(`socket fan-out round ${round}/${ROUNDS}: ${Object.entries(latencies).map(([n, ls]) => `${n} p50 ${p50p99(ls.at(-1)!).p50.toFixed(1)} ms`).join(", ")}`);
    }
    results.socketFanOut = latencies;
    const stat = (name: string, which: "p50" | "p99") => latencies[name]!.map((l) => p50p99(l)[which]);
    const ratioOf = (a: string, b: string, which: "p50" | "p99") => summarize(stat(a, which).map((v, i) => v / stat(b, which)[i]!));
    for (const which of ["p50", "p99"] as const) {
      row(`socket send → last of ${FANOUT_SOCKETS} sockets, ${which}, Carryover`, summarize(stat("carryover", which)), "ms", 1);
      row(`  same, minimal broadcast DO (floor)`, summarize(stat("floor", which)), "ms", 1);
      const toFloor = ratioOf("carryover", "floor", which);
      row(`  Carryover / floor, ${which}`, toFloor, "×", 2, "≤ 1.3", toFloor.median <= TARGETS.socketToFloor);
      if (peer) {
        row(`  same, workers-chat-demo`, summarize(stat("peer", which)), "ms", 1);
        const toPeer = ratioOf("carryover", "peer", which);
        row(`  Carryover / workers-chat-demo, ${which}`, toPeer, "×", 2, "≤ 1.0", toPeer.median <= TARGETS.socketToPeer);
      } else {
        textRow(`  Carryover / workers-chat-demo, ${which}`, "skipped (no --peer)", "≤ 1.0");
      }
      // What the design costs on the floor room itself: the size of the event frame (API.md), and the
      // Worker relay a client that does not ask for a direct socket passes (src/http/live-relay.ts).
      // Carryover against the floor with the same frames is its own work.
      row(`  the floor with event-sized frames / floor, ${which}`, ratioOf("floorSized", "floor", which), "×", 2, "info");
      row(`  Carryover / the floor with event-sized frames, ${which}`, ratioOf("carryover", "floorSized", which), "×", 2, "info");
      row(`  Carryover, relayed sockets (a client that does not ask for direct), ${which}`, summarize(stat("carryoverRelayed", which)), "ms", 1, "info");
      row(`    relayed / floor, ${which}`, ratioOf("carryoverRelayed", "floor", which), "×", 2, "info");
      row(`  the floor behind Carryover's Worker relay / floor, ${which}`, ratioOf("floorRelay", "floor", which), "×", 2, "info");
      row(`  the floor with both / floor, ${which}`, ratioOf("floorBoth", "floor", which), "×", 2, "info");
      row(`    relayed Carryover / the floor with both, ${which}`, ratioOf("carryoverRelayed", "floorBoth", which), "×", 2, "info");
    }
  } finally {
    for (const room of Object.values(rooms)) room.close();
  }
}

// ---------------------------------------------------------------------------
// Cost as a thread grows: appends to a thread of BIG_THREAD events against
// appends to an empty one, interleaved rounds, same clients.

async function measureBigThread(server: LocalServer): Promise<void> {
  if (BIG_THREAD <= 0) return;
  const runId = Date.now().toString(36);
  const bigUser = `bench-big-${runId}`;
  const big = await openSession(server.url, bigUser);
  const bigConversation = await openConversation(server.url, big.sessionToken);
  log(`big thread: seeding ${BIG_THREAD} events (send frames on a live socket)`);
  const seeded = Date.now();
  await seedConversation(server.url, big.sessionToken, bigConversation, BIG_THREAD, CLIENTS, true, 128);
  log(`big thread: seeded in ${Math.round((Date.now() - seeded) / 1000)} s`);
  const small = await openSession(server.url, `bench-small-${runId}`);
  const smallConversation = await openConversation(server.url, small.sessionToken);
  const targets: Record<string, { token: string; conversation: string }> = {
    big: { token: big.sessionToken, conversation: bigConversation },
    empty: { token: small.sessionToken, conversation: smallConversation },
  };
  const run = (name: string, tag: string, durationMs: number) =>
    closedLoop(server.url, {
      clients: CLIENTS,
      durationMs,
      request: (_c, n) => ({
        method: "POST",
        path: `/v1/conversations/${targets[name]!.conversation}/messages`,
        headers: { authorization: `Bearer ${targets[name]!.token}` },
        body: appendBody(tag, n),
      }),
    });
  for (const name of Object.keys(targets)) await run(name, `warm-${name}`, 1000);
  const rps: Record<string, number[]> = { big: [], empty: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of Object.keys(targets)) {
      const r = await run(name, `big-r${round}-${name}`, ROUND_MS);
      if (r.failed > 0) throw new Error(`big thread "${name}" had ${r.failed} failures: ${r.firstFailure}`);
      rps[name]!.push(r.rps);
    }
  }
  results.bigThread = { events: BIG_THREAD, rps };
  row(`append, thread of ${BIG_THREAD} events`, summarize(rps.big!), "req/s", 0);
  row("append, empty thread (same clients)", summarize(rps.empty!), "req/s", 0);
  const ratio = summarize(rps.big!.map((v, i) => v / rps.empty![i]!));
  row("  ratio long / empty", ratio, "×", 2, "≥ 0.9", ratio.median >= TARGETS.bigThreadRatio);
}

// ---------------------------------------------------------------------------
// Memory of wrangler dev's workerd with MEMORY_SOCKETS hibernated sockets on
// one conversation (reported, not a target).

async function measureMemory(server: LocalServer): Promise<void> {
  if (MEMORY_SOCKETS <= 0) return;
  const user = `bench-memory-${Date.now().toString(36)}`;
  const first = await openSession(server.url, user);
  const conversation = await openConversation(server.url, first.sessionToken);
  const before = workerdRssMiB(server.port);
  log(`memory: ${MEMORY_SOCKETS} sockets on one conversation (workerd ${before?.toFixed(0) ?? "?"} MiB before)`);
  const adapter = await carryoverRoom(server.url, user, conversation, MEMORY_SOCKETS);
  const sockets: WebSocket[] = [];
  try {
    for (let start = 0; start < MEMORY_SOCKETS; start += 25) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(25, MEMORY_SOCKETS - start) }, (_, k) => adapter.open(start + k)))));
    }
    const open = workerdRssMiB(server.port);
    // Idle sockets let the object hibernate (about 10 s without events in workerd).
    await new Promise((r) => setTimeout(r, 20_000));
    const hibernated = workerdRssMiB(server.port);
    results.memory = { sockets: MEMORY_SOCKETS, beforeMiB: before, openMiB: open, afterIdleMiB: hibernated };
    const mib = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(0)} MiB`);
    textRow(`workerd RSS: before / ${MEMORY_SOCKETS} sockets open / after 20 s idle`, `${mib(before)} / ${mib(open)} / ${mib(hibernated)}`, "info");
  } finally {
    for (const ws of sockets) ws.close();
  }
}

// ---------------------------------------------------------------------------
// Uploads: a large file through POST /v1/attachments against a plain R2 put.

async function measureUploadThroughput(server: LocalServer, baseline: BaselineServer): Promise<void> {
  if (UPLOADS <= 0) return;
  log(`uploads: ${UPLOADS} × ${UPLOAD_MIB} MiB through the Worker and as a plain R2 put, interleaved`);
  const result = await measureUploads(server.url, baseline.url, { uploads: UPLOADS, mib: UPLOAD_MIB });
  results.uploads = result;
  row(`plain R2 put, ${UPLOAD_MIB} MiB (baseline Worker)`, result.plainR2, "MiB/s", 1);
  row(`upload ${UPLOAD_MIB} MiB, POST /v1/attachments`, result.carryover, "MiB/s", 1);
  row("  ratio to the plain R2 put", result.ratio, "×", 2, "info");
}

/** `--only <part>`: one Carryover instance (two for throughput), the baseline, one part, the table; results.json untouched. */
async function onlyPart(part: string): Promise<void> {
  const parts = ["fanout", "catchup", "throughput", "bigthread", "memory"];
  if (!parts.includes(part)) throw new Error(`--only takes uploads, ${parts.join(", ")}; not "${part}"`);
  const [server, baseline] = await Promise.all([startServer({ vars: RAISED_LIMITS }), startBaseline()]);
  const unlimited = part === "throughput" ? await startServer({ vars: LIMITS_OFF }) : null;
  const plainFloor = part === "throughput" ? await startBaseline({ assets: false }) : null;
  let peer: PeerServer | null = null;
  stopOnSignal([server, baseline, ...(unlimited ? [unlimited] : []), ...(plainFloor ? [plainFloor] : [])]);
  try {
    if (part === "fanout") {
      peer = flags.peer ? await startPeer(flags.peer) : null;
      await measureSocketFanOut(server, baseline, peer);
      await measureFanOut(server);
    }
    if (part === "catchup") await measureCatchUp(server);
    if (part === "throughput") await measureThroughput(server, unlimited!, baseline, plainFloor!);
    if (part === "bigthread") await measureBigThread(server);
    if (part === "memory") await measureMemory(server);
  } finally {
    await Promise.all([server.stop(), baseline.stop(), unlimited?.stop(), plainFloor?.stop(), peer?.stop()]);
  }
  printTable();
  log(`done in ${Math.round((Date.now() - started) / 1000)} s (--only ${part}; bench/results.json left as it was)`);
}

/** `--only uploads`: one Carryover instance and the baseline, the upload measurement, the table. */
async function onlyUploads(): Promise<void> {
  const [server, baseline] = await Promise.all([startServer({ vars: RAISED_LIMITS }), startBaseline()]);
  stopOnSignal([server, baseline]);
  try {
    await measureUploadThroughput(server, baseline);
  } finally {
    await Promise.all([server.stop(), baseline.stop()]);
  }
  printTable();
  log(`done in ${Math.round((Date.now() - started) / 1000)} s (uploads only; bench/results.json left as it was)`);
}

// ---------------------------------------------------------------------------
// Webhook isolation (--webhook-isolation / --only webhook-isolation): two
// fresh, identical Workers. Tenant B (no endpoints) appends on both in
// interleaved rounds; on the "subject" Worker tenant A then gets an endpoint
// that always fails and --failing-conversations conversations with pending
// deliveries. Ratio per round = B on the subject ÷ B on the control, so the
// drift of a shared machine hits both sides alike; the same ratio before A
// existed shows what the two instances differ by on their own.

const DEV_ADMIN_TOKEN = "dev-admin-token-change-me";

interface IsolationRound {
  control: LoadResult;
  subject: LoadResult;
  ratio: number;
  /** Delivery attempts the failing receiver got per second during the subject's part of the round. */
  attemptsPerSecond: number;
  /** Requests held open by the receiver at the round's end (hang mode). */
  heldAtEnd: number;
}

type Threads = { session: Session; conversation: string }[];

async function measureWebhookIsolation(): Promise<void> {
  const failing = Number(flags["failing-conversations"]);
  const backlog = Number(flags.backlog);
  const mode = flags["hook-failure"];
  if (mode !== "500" && mode !== "hang") throw new Error(`--hook-failure is 500 or hang, not ${mode}`);
  const failure: FailureMode = mode;
  const retryAfter = failure === "hang" || flags["retry-after"] === "none" ? null : Number(flags["retry-after"]);
  const how = failure === "hang" ? "no answer (15 s timeout)" : `HTTP 500${retryAfter === null ? "" : `, Retry-After ${retryAfter} s`}`;
  const runId = Date.now().toString(36);
  log("webhook isolation: starting two identical Workers (control, subject)");
  const [control, subject] = await Promise.all([startServer({ vars: RAISED_LIMITS }), startServer({ vars: RAISED_LIMITS })]);
  const receiver = new FailingReceiver(failure, retryAfter);
  stopOnSignal([control, subject, { stop: async () => receiver.close() }]);
  try {
    const hookUrl = await receiver.listen();
    log(`webhook isolation: tenant B (no endpoints) on both, ${SPREAD} customers with a conversation each`);
    const tenantB = (url: string) => createTenant(url, DEV_ADMIN_TOKEN, `bench-b-${runId}`);
    const [bOnControl, bOnSubject] = await Promise.all([tenantB(control.url), tenantB(subject.url)]);
    const threadsOf = (url: string, tenant: typeof bOnControl): Promise<Threads> =>
      inBatches(Array.from({ length: SPREAD }, (_, i) => `bench-b-${runId}-${i}`), 8, (user) => customerThread(url, tenant, user));
    const [controlThreads, subjectThreads] = await Promise.all([threadsOf(control.url, bOnControl), threadsOf(subject.url, bOnSubject)]);
    let seq = 0;
    const appendsOfB = (url: string, threads: Threads, phase: string, durationMs: number): Promise<LoadResult> => {
      const tag = `${phase}-${seq++}`;
      return closedLoop(url, {
        clients: CLIENTS,
        durationMs,
        request: (_c, n) => {
          const t = threads[n % threads.length]!;
          return {
            method: "POST",
            path: `/v1/conversations/${t.conversation}/messages`,
            headers: { authorization: `Bearer ${t.session.sessionToken}` },
            body: appendBody(tag, n),
          };
        },
      });
    };
    const checked = (r: LoadResult, what: string): LoadResult => {
      if (r.failed > 0) throw new Error(`tenant B appends (${what}) had ${r.failed} failures: ${r.firstFailure} ${JSON.stringify(r.statuses)}`);
      if (r.connections > CLIENTS) throw new Error(`tenant B appends (${what}) opened ${r.connections} connections for ${CLIENTS} clients`);
      return r;
    };
    const measure = async (phase: string): Promise<IsolationRound[]> => {
      const out: IsolationRound[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        // Which side goes first alternates, so neither always gets the quieter moment.
        let c: LoadResult | undefined;
        if (round % 2 === 1) c = checked(await appendsOfB(control.url, controlThreads, phase, ROUND_MS), `${phase}, control`);
        const attemptsBefore = receiver.attempts;
        const sub = checked(await appendsOfB(subject.url, subjectThreads, phase, ROUND_MS), `${phase}, subject`);
        const attemptsPerSecond = (receiver.attempts - attemptsBefore) / sub.seconds;
        c ??= checked(await appendsOfB(control.url, controlThreads, phase, ROUND_MS), `${phase}, control`);
        out.push({ control: c, subject: sub, ratio: sub.rps / c.rps, attemptsPerSecond, heldAtEnd: receiver.inFlight });
        log(
          `webhook isolation, ${phase} ${round}/${ROUNDS}: B ${c.rps.toFixed(0)}/s on the control, ${sub.rps.toFixed(0)}/s on the subject ` +
            `(${(sub.rps / c.rps).toFixed(2)} ×), p50 ${c.p50Ms.toFixed(0)} / ${sub.p50Ms.toFixed(0)} ms; ` +
            `A's failing attempts ${attemptsPerSecond.toFixed(0)}/s${failure === "hang" ? `, held open ${receiver.inFlight}` : ""}`,
        );
      }
      return out;
    };

    log("webhook isolation: warm-up");
    for (const [url, threads] of [[control.url, controlThreads], [subject.url, subjectThreads]] as const) {
      const warm = await appendsOfB(url, threads, "warm", 1000);
      if (warm.failed > 0) throw new Error(`warm-up failed: ${warm.firstFailure}`);
    }
    const before = await measure("before");

    const tenantA = await createTenant(subject.url, DEV_ADMIN_TOKEN, `bench-a-${runId}`);
    await createEndpoint(subject.url, tenantA, hookUrl);
    log(`webhook isolation: tenant A on the subject, endpoint failing with ${how}; ${failing} conversations × ${backlog} messages`);
    const seedStarted = performance.now();
    await seedFailingConversations(subject.url, tenantA, failing, backlog, 16, runId, (done) => {
      if (done % 200 === 0) log(`webhook isolation: ${done}/${failing} conversations seeded, ${receiver.attempts} attempts received`);
    });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    await firstAttemptsFrom(receiver, failing, 180_000);
    const readySeconds = (performance.now() - seedStarted) / 1000;
    log(`webhook isolation: seeded in ${seedSeconds.toFixed(0)} s; all ${failing} conversations had a failed attempt after ${readySeconds.toFixed(0)} s (${receiver.attempts} attempts so far)`);
    const during = await measure("during");

    const ratio = (rs: IsolationRound[]) => summarize(rs.map((r) => r.ratio));
    const duringRatio = ratio(during);
    const p = (rs: IsolationRound[], side: "control" | "subject", k: "p50Ms" | "p99Ms") => fmt(summarize(rs.map((r) => r[side][k])).median, 0);
    results.webhookIsolation = {
      failingConversations: failing,
      backlog,
      failure: how,
      seedSeconds,
      readySeconds,
      attemptsTotal: receiver.attempts,
      before,
      during,
      ratioBefore: ratio(before),
      ratioDuring: duringRatio,
    };
    row(`tenant B appends, ${SPREAD} conversations, control Worker`, summarize(during.map((r) => r.control.rps)), "req/s", 0);
    row(`  same Worker as A's ${failing} failing conversations (${how})`, summarize(during.map((r) => r.subject.rps)), "req/s", 0);
    row("  ratio beside A ÷ control", duringRatio, "×", 2, "≥ 0.90", duringRatio.median >= TARGETS.webhookIsolationRatio);
    row("  same ratio before A existed (calibration)", ratio(before), "×", 2, "info");
    textRow("  B append p50, control / beside A", `${p(during, "control", "p50Ms")} / ${p(during, "subject", "p50Ms")} ms`, "info");
    textRow("  B append p99, control / beside A", `${p(during, "control", "p99Ms")} / ${p(during, "subject", "p99Ms")} ms`, "info");
    row("  A's failing attempts during B's rounds", summarize(during.map((r) => r.attemptsPerSecond)), "/s", 0, "info");
  } finally {
    // What the subject Worker logged (warnings and errors): the first few distinct lines.
    const logged = [...new Set((subject.output?.() ?? "").split("\n").map((l) => l.trim().slice(0, 240)).filter(Boolean))];
    if (logged.length > 0) log(`webhook isolation: the subject's wrangler dev logged ${logged.length} distinct lines, e.g.:\n  ${logged.slice(0, 12).join("\n  ")}`);
    receiver.close();
    await Promise.all([control.stop(), subject.stop()]);
  }
}

/** `--only webhook-isolation`: that measurement alone; writes bench/results-webhook-isolation.json. */
async function onlyWebhookIsolation(): Promise<void> {
  results.settings = { ...(results.settings as object), failingConversations: Number(flags["failing-conversations"]), backlog: Number(flags.backlog) };
  await measureWebhookIsolation();
  results.table = rows;
  results.finishedAt = new Date().toISOString();
  results.seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(join(import.meta.dirname, "results-webhook-isolation.json"), `${JSON.stringify(results, null, 2)}\n`);
  printTable();
  log(`done in ${results.seconds} s; wrote bench/results-webhook-isolation.json`);
  if (flags.strict && rows.some((r) => r.result === "FAIL")) process.exitCode = 1;
}

function printTable(): void {
  const headers: Row = { metric: "metric", median: "median", spread: "min – max", target: "target", result: "result" };
  const keys = Object.keys(headers) as (keyof Row)[];
  const width = (k: keyof Row) => Math.max(...[headers, ...rows].map((r) => r[k].length));
  const line = (r: Row) => `| ${keys.map((k) => r[k].padEnd(width(k))).join(" | ")} |`;
  const out = [line(headers), `|${keys.map((k) => "-".repeat(width(k) + 2)).join("|")}|`, ...rows.map(line)];
  process.stdout.write(`\n${out.join("\n")}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
