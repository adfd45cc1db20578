// LOCAL DEVELOPMENT ONLY: the Worker that `npm run dev`, the test suites, the
// bench and the testing kit (carryover/testing) run. It is the production
// Worker (src/index.ts) plus three development tools that a deployment never
// carries (they stay out of its bundle, bench/BENCHMARKS.md "Worker bundle"):
//   - the demo tenant's seed (when DEV_SEED=true, before any /v1 request),
//   - the demo page's routes (/demo/*: its sign-in and identity tokens),
//   - the Messenger send-API simulator (/demo/messenger/*) and its object,
//   - the tests' broadcast consumer crash (when BROADCAST_TEST_FAULTS=true).
// Each still answers 404 unless DEV_SEED=true, as before the split.
// A thin fetch rather than the production app mounted under another router:
// the bench and `npm run dev` run this entry, and a second router, URL parse
// and middleware on every /v1 request would be measured as Carryover's cost.
import { Hono } from "hono/tiny";
import { handleBroadcastBatchWithFaults } from "../broadcast/faults";
import { seedDemoChannel } from "../channels/demo-seed";
import { simulator } from "../channels/simulator";
import { seedDemoTenant } from "../directory/dev-seed";
import type { Env } from "../env";
import { settingsOf } from "../env";
import { demo } from "../http/demo";
import { notFound, onError, problemResponse } from "../http/problem";
import type { AppEnv } from "../http/types";
import { ServiceError } from "../protocol/errors";
import worker from "../index";

export { Agent, BroadcastWatch, ChannelInbox, Conversation, Customer, InboxFeed, RateLimiter, TenantOutbox } from "../index";
export { MessengerSimulator } from "../channels/simulator";

/** The development routes: the demo page's (/demo/*) and the Messenger simulator's (/demo/messenger/*). */
export const devRoutes = new Hono<AppEnv>();
devRoutes.route("/demo/messenger", simulator);
devRoutes.route("/demo", demo);
devRoutes.notFound(() => notFound());
devRoutes.onError(onError);

/** The origin (scheme://host:port) whose demo seed this isolate finished; later /v1 requests skip the seed. */
let seededOrigin: string | null = null;

/** The seed of the demo tenant and its Messenger channel, once per isolate and origin (both are memoized too). */
async function seedOnce(env: Env, origin: string): Promise<void> {
  await seedDemoTenant(env.DB);
  await seedDemoChannel(env, origin);
  seededOrigin = origin;
}

/** Path of a request URL (`https://host/p?q` → `/p?q`), without a URL parse. */
function pathOf(url: string, hostEnd: number): string {
  return hostEnd < 0 ? "/" : url.slice(hostEnd);
}

/**
 * Routes /demo and /demo/* to the development routes; every other request
 * goes to the production Worker's fetch, after the demo seed for /v1 paths
 * when DEV_SEED=true (a string compare once the seed is done).
 */
async function devFetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = request.url;
  const hostEnd = url.indexOf("/", url.indexOf("//") + 2);
  const path = pathOf(url, hostEnd);
  if (path.startsWith("/demo") && (path.length === 5 || "/?#".includes(path[5]!))) return devRoutes.fetch(request, env, ctx);
  if (path.startsWith("/v1") && (path.length === 3 || "/?#".includes(path[3]!)) && settingsOf(env).devSeed) {
    const origin = hostEnd < 0 ? url : url.slice(0, hostEnd);
    if (seededOrigin !== origin) {
      try {
        await seedOnce(env, origin);
      } catch (err) {
        console.error(`${request.method} ${path} failed: the demo seed`, err);
        return problemResponse(new ServiceError("internal", "something went wrong; it has been logged"));
      }
    }
  }
  return worker.fetch(request, env, ctx);
}

/** The production queue handler, or with the tests' crash point (src/broadcast/faults.ts) when BROADCAST_TEST_FAULTS=true. */
function devQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  return env.BROADCAST_TEST_FAULTS === "true" ? handleBroadcastBatchWithFaults(batch, env) : worker.queue(batch, env);
}

export default { ...worker, fetch: devFetch, queue: devQueue } satisfies ExportedHandler<Env>;
