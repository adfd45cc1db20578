// LOCAL DEVELOPMENT ONLY: the Worker that `npm run dev`, the test suites, the
// bench and the testing kit (carryover/testing) run. It is the production
// Worker (src/index.ts) plus three development tools that a deployment never
// carries (they stay out of its bundle, bench/BENCHMARKS.md "Worker bundle"):
//   - the demo tenant's seed (when DEV_SEED=true, before any /v1 request),
//   - the demo page's routes (/demo/*: its sign-in and identity tokens),
//   - the Messenger send-API simulator (/demo/messenger/*) and its object.
// Each still answers 404 unless DEV_SEED=true, as before the split.
import { Hono } from "hono/tiny";
import { app } from "../app";
import { seedDemoChannel } from "../channels/demo-seed";
import { simulator } from "../channels/simulator";
import { seedDemoTenant } from "../directory/dev-seed";
import { settingsOf } from "../env";
import { demo } from "../http/demo";
import { notFound, onError } from "../http/problem";
import type { AppEnv } from "../http/types";
import worker from "../index";

export { Agent, ChannelInbox, Conversation, Customer, InboxFeed, RateLimiter, TenantOutbox } from "../index";
export { MessengerSimulator } from "../channels/simulator";

/** The production app with the development routes in front of it. */
export const devApp = new Hono<AppEnv>();

devApp.use("/v1/*", async function devSeed(c, next) {
  if (settingsOf(c.env).devSeed) {
    await seedDemoTenant(c.env.DB);
    await seedDemoChannel(c.env, new URL(c.req.url).origin);
  }
  await next();
});
devApp.route("/demo/messenger", simulator);
devApp.route("/demo", demo);
devApp.route("/", app);
devApp.notFound(() => notFound());
devApp.onError(onError);

export default { ...worker, fetch: devApp.fetch } satisfies typeof worker;
