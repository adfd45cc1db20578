// The HTTP API: route groups mounted under /v1, errors as problem+json.
// The demo page's routes, the demo tenant's seed and the Messenger simulator
// are not here: they are local-development tools, mounted only by the dev
// entry (src/dev/worker.ts) that `npm run dev`, the tests and the testing kit run.
import { Hono } from "hono/tiny";
import { admin } from "./http/admin";
import { attachments } from "./http/attachments";
import { broadcasts } from "./http/broadcasts";
import { agentSessions } from "./http/agent-sessions";
import { conversations, me } from "./http/conversations";
import { cors } from "./http/cors";
import { inbox } from "./http/inbox";
import { live } from "./http/live";
import { people } from "./http/people";
import { notFound, onError } from "./http/problem";
import { describe, withoutDescriptions, ROUTE_DOCS, undescribed } from "./http/route";
import { sessions } from "./http/sessions";
import { meSubscriptions, topics } from "./http/subscriptions";
import { channelConversations, channels } from "./channels/routes";
import type { AppEnv } from "./http/types";
import { webhooks } from "./http/webhooks";

/** The routes as declared, descriptions included: what the OpenAPI build reads (src/dev/build-openapi.mjs). */
export const app = new Hono<AppEnv>();

// The admin API is for the operator's tools, never for browsers: no CORS.
app.route("/v1/admin", admin);
app.use("/v1/*", cors());
app.route("/v1/sessions", sessions);
app.route("/v1/agent-sessions", agentSessions);
// Before `conversations`: the live route authenticates from the subprotocol, not Authorization.
app.route("/v1/conversations", live);
app.route("/v1/conversations", channelConversations);
app.route("/v1/conversations", conversations);
app.route("/v1/me/subscriptions", meSubscriptions);
app.route("/v1/me", me);
app.route("/v1/attachments", attachments);
app.route("/v1/people", people);
app.route("/v1/topics", topics);
app.route("/v1/broadcasts", broadcasts);
app.route("/v1/webhook-endpoints", webhooks);
app.route("/v1/inbox", inbox);
app.route("/v1/channels", channels);

app.get("/v1", ROUTE_DOCS ? describe("The API's name and version", [], { "200": '{ name: "carryover", version: "v1" }' }) : undescribed, (c) => c.json({ name: "carryover", version: "v1" }));

// The document is a static asset written at build time (src/dev/build-openapi.mjs)
// and served by the assets layer; this answers callers of the Worker itself.
app.get("/openapi.json", (c) => c.env.ASSETS?.fetch(c.req.raw) ?? notFound());

app.notFound(() => notFound());
app.onError(onError);

/** The app the Worker serves: the same routes without their description layers (src/http/route.ts). */
export const served = withoutDescriptions(app);
served.notFound(() => notFound());
served.onError(onError);
