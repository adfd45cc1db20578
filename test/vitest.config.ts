import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { Response as MiniflareResponse, type Request as MiniflareRequest } from "miniflare";
import { WebhookReceiver } from "./support/webhook-receiver.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Webhook deliveries to https://hooks.test/<bin> reach this receiver (test/support/webhook-receiver.ts); the Graph API is never reached. */
const receiver = new WebhookReceiver();
async function outbound(request: MiniflareRequest): Promise<MiniflareResponse> {
  const init = { method: request.method, headers: Object.fromEntries(request.headers) };
  const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
  const forward = new Request(request.url, { ...init, body });
  const host = new URL(request.url).hostname;
  // Tests never reach Meta: a Graph call no test intercepted (channel-helpers.ts) gets Graph's own kind of refusal.
  if (host === "graph.facebook.com") return MiniflareResponse.json({ error: { message: "(#100) not intercepted by this test", type: "OAuthException", code: 100 } }, { status: 400 });
  const answer = host === "hooks.test" ? await receiver.handle(forward) : await fetch(forward);
  return new MiniflareResponse(await answer.arrayBuffer(), { status: answer.status, headers: Object.fromEntries(answer.headers) });
}

// Three projects: "unit" runs pure modules in Node (no server, no workerd —
// seconds); "worker" runs inside workerd (the real runtime, SQLite-backed
// Durable Objects, D1) through the Cloudflare plugin; "node" runs the client
// SDK, the soak and the browser tests against a real local server.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(`${root}/migrations`);
  return {
    root,
    test: {
      projects: [
        {
          test: {
            name: "unit",
            environment: "node",
            include: ["test/unit/**/*.test.ts"],
          },
        },
        {
          plugins: [
            cloudflareTest({
              // The dev entry: the production Worker plus the demo and simulator routes (src/dev/worker.ts).
              main: `${root}/src/dev/worker.ts`,
              wrangler: { configPath: `${root}/wrangler.toml` },
              miniflare: {
                outboundService: outbound,
                bindings: {
                  DEV_SEED: "true",
                  ADMIN_TOKEN: "dev-admin-token-change-me",
                  SESSION_SECRET: "test-session-secret-0123456789abcdef0123456789",
                  TEST_MIGRATIONS: migrations,
                  // TEST-ONLY: lets test/worker/broadcast-*.test.ts inject a consumer crash (src/broadcast/faults.ts).
                  BROADCAST_TEST_FAULTS: "true",
                },
              },
            }),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts"],
            // Several tests wait for real alarms, retries and directory pushes (seconds, by design);
            // on a busy 2-core machine 5 s left some of them at the edge. No test asserts a duration.
            testTimeout: 20_000,
            setupFiles: [`${root}/test/worker/apply-migrations.ts`],
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/node/**/*.test.ts", "test/e2e/**/*.test.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            fileParallelism: false,
            // `expect.poll` waits for what a user waits for (a sign-in, a message on another tab), not for a
            // duration: vitest's 1 s default failed a sign-in under CI load. No test asserts a duration.
            expect: { poll: { timeout: 10_000 } },
          },
        },
      ],
    },
  };
});
