// Broadcast fan-out throughput: N subscribers seeded straight into the local
// D1 before the server starts (so seeding is not timed and needs no N
// sessions), one broadcast timed from POST to "completed", and N plain bot
// appends over HTTP in the same run for the ratio.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEMO, inBatches, openConversation, openSession } from "./carryover.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

function wrangler(args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(WRANGLER, args, { cwd: ROOT, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${output}`))));
  });
}

/**
 * A persist dir whose local D1 holds topic `topic` and `recipients` people
 * subscribed to it (ids bench-bc-<run>-<n>); pass it to startServer.
 */
export async function seedBroadcastAudience(recipients: number, topic: string, runId: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "carryover-bc-"));
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
  const now = new Date().toISOString();
  const lines = [`INSERT INTO topics (tenant, topic, name, created_at, updated_at) VALUES ('${DEMO.tenant}', '${topic}', 'Bench', '${now}', '${now}');`];
  for (let i = 0; i < recipients; i += 500) {
    const ids = Array.from({ length: Math.min(500, recipients - i) }, (_, k) => `bench-bc-${runId}-${i + k}`);
    lines.push(
      `INSERT INTO people (tenant, user_id, name, labels, version, created_at, updated_at) VALUES ${ids
        .map((id) => `('${DEMO.tenant}', '${id}', '${id}', '[]', 1, '${now}', '${now}')`)
        .join(", ")};`,
      `INSERT INTO subscriptions (tenant, topic, user_id, created_at) VALUES ${ids.map((id) => `('${DEMO.tenant}', '${topic}', '${id}', '${now}')`).join(", ")};`,
    );
  }
  const file = join(dir, "seed.sql");
  writeFileSync(file, lines.join("\n"));
  await wrangler(["d1", "execute", "DB", "--local", "--persist-to", dir, "--file", file]);
  return dir;
}

async function call<T>(url: string, token: string, method: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export interface BroadcastRun {
  total: number;
  delivered: number;
  failed: number;
  ms: number;
  recipientsPerSecond: number;
}

/** Times one broadcast to `topic` from the create call to `completed`. */
export async function timeBroadcast(baseUrl: string, topic: string, adminToken: string, timeoutMs = 30 * 60_000): Promise<BroadcastRun> {
  const { apiKey } = await call<{ apiKey: string }>(`${baseUrl}/v1/admin/tenants/${DEMO.tenant}/api-keys`, adminToken, "POST", { role: "admin" });
  const started = performance.now();
  const { broadcast } = await call<{ broadcast: { id: string } }>(`${baseUrl}/v1/broadcasts`, apiKey, "POST", {
    topic,
    content: { type: "text", text: "Bench broadcast", quickReplies: [{ title: "Stop", payload: `carryover:unsubscribe:${topic}` }] },
  });
  for (;;) {
    const { broadcast: b } = await call<{ broadcast: { status: string; total: number; delivered: number; failed: number } }>(
      `${baseUrl}/v1/broadcasts/${broadcast.id}`,
      apiKey,
      "GET",
    );
    if (b.status === "completed") {
      const ms = performance.now() - started;
      return { total: b.total, delivered: b.delivered, failed: b.failed, ms, recipientsPerSecond: (b.total / ms) * 1000 };
    }
    if (performance.now() - started > timeoutMs) throw new Error(`broadcast ${broadcast.id} did not complete: ${JSON.stringify(b)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Times `count` Send API appends by the bot, spread over `conversations` threads, `width` at a time. */
export async function timePlainAppends(baseUrl: string, count: number, conversations: number, width: number, runId: string): Promise<{ ms: number; perSecond: number }> {
  const threads = await inBatches(Array.from({ length: conversations }, (_, i) => `bench-bc-plain-${runId}-${i}`), 8, async (user) =>
    openConversation(baseUrl, (await openSession(baseUrl, user)).sessionToken),
  );
  const started = performance.now();
  await inBatches(Array.from({ length: count }, (_, i) => i), width, async (i) => {
    const res = await fetch(`${baseUrl}/v1/conversations/${threads[i % threads.length]}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO.botKey}`, "content-type": "application/json" },
      body: JSON.stringify({ clientId: `plain-${i}`, content: { type: "text", text: "Bench broadcast" }, sender: { role: "bot", id: "bench" } }),
    });
    if (res.status !== 201) throw new Error(`plain append: ${res.status} ${await res.text()}`);
  });
  const ms = performance.now() - started;
  return { ms, perSecond: (count / ms) * 1000 };
}
