// Broadcasts for business callers (API.md "People, subscriptions and
// broadcasts"): create, estimate, list, get with live counters, cancel.
// The fan-out itself runs on the BROADCASTS queue (src/broadcast/fan-out.ts).
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { finishIfDone } from "../broadcast/completion";
import { startFanOut } from "../broadcast/fan-out";
import { watchName } from "../broadcast/watch";
import { parseLabelExpr, type LabelExpr } from "../broadcast/label-expr";
import {
  broadcastView,
  cancelBroadcast,
  createBroadcast,
  estimateAudience,
  listBroadcasts,
  type CreateInput,
} from "../broadcast/store";
import { findTopic, TopicId } from "../broadcast/subscriptions";
import { newId } from "../ids";
import { Content } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { authenticate, businessOf, businessOnly } from "./auth";
import { decodeCursor, encodeCursor } from "./cursor";
import type { AppEnv } from "./types";
import { describe, jsonBody, queryOf, ROUTE_DOCS, undescribed } from "./route";
import { decimalInt } from "./decimal-int";

const Audience = z.strictObject({ labels: z.unknown() });

/** POST /v1/broadcasts body; `audience.labels` is checked by parseLabelExpr for its error paths. */
export const CreateBroadcastBody = z
  .strictObject({
    content: Content,
    topic: TopicId,
    audience: z.optional(Audience),
    sendAt: z.optional(z.iso.datetime({ offset: true })),
    localTime: z.optional(z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour"))),
    maxPerSecond: z.optional(z.number().check(z.int(), z.gte(1), z.lte(10_000))),
  })
  .check(z.refine((b) => !(b.sendAt && b.localTime), { message: "give sendAt or localTime, not both", path: ["localTime"] }));

/** POST /v1/broadcasts/estimate body. */
export const EstimateBody = z.strictObject({ topic: TopicId, audience: z.optional(Audience) });

/** GET /v1/broadcasts query. */
export const ListQuery = z.strictObject({
  status: z.optional(z.enum(["scheduled", "running", "completed", "cancelled"])),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  limit: z._default(decimalInt(1, 100), 25),
});

const isCursor = (v: unknown): v is { createdAt: string; id: string } =>
  typeof v === "object" && v !== null && typeof (v as { createdAt?: unknown }).createdAt === "string" && typeof (v as { id?: unknown }).id === "string";

/** The checked label expression, or a 400 naming the path of every error. */
function labelsOf(audience: { labels?: unknown } | undefined): LabelExpr | undefined {
  if (audience === undefined || audience.labels === undefined) return undefined;
  const parsed = parseLabelExpr(audience.labels, "audience.labels");
  if (!parsed.ok) throw new ServiceError("invalid_request", "audience.labels is not a valid label expression", { errors: parsed.errors });
  return parsed.expr;
}

async function requireTopic(c: Context<AppEnv>, tenant: string, topic: string): Promise<void> {
  if (!(await findTopic(c.env.DB, tenant, topic))) throw new ServiceError("not_found", `no topic ${topic}`);
}

export const broadcasts = new Hono<AppEnv>();
broadcasts.use("*", authenticate());

broadcasts.post("/", ROUTE_DOCS ? describe("Create a broadcast (bot or admin key)", ["apiKey"], { "202": "{ broadcast }" }) : undescribed, businessOnly(["bot", "admin"]), jsonBody(CreateBroadcastBody), async (c) => {
  const access = businessOf(c, ["bot", "admin"]);
  const body = c.req.valid("json");
  const labels = labelsOf(body.audience);
  await requireTopic(c, access.tenant, body.topic);
  const input: CreateInput = { id: newId("bc"), tenant: access.tenant, topic: body.topic, content: body.content };
  if (labels !== undefined) input.labels = labels;
  if (body.sendAt) input.sendAt = new Date(body.sendAt).toISOString();
  if (body.localTime) input.localTime = body.localTime;
  if (body.maxPerSecond) input.maxPerSecond = body.maxPerSecond;
  // Watched before it exists: whatever happens after this line, the watch sees it through (src/broadcast/watch.ts).
  await c.env.BROADCAST_WATCH.getByName(watchName(access.tenant, input.id)).watch(access.tenant, input.id, input.sendAt ?? null);
  const record = await createBroadcast(c.env.DB, input);
  if (record.status === "completed") {
    // Nobody to reach: completed at once, never stuck "running".
    await finishIfDone(c.env, access.tenant, record.id);
    return c.json({ broadcast: await broadcastView(c.env.DB, access.tenant, record.id) }, 202);
  }
  try {
    await startFanOut(c.env, record);
  } catch (err) {
    // Not enqueued: cancel it rather than leave a broadcast nothing will run.
    await cancelBroadcast(c.env.DB, access.tenant, record.id).catch(() => undefined);
    throw err;
  }
  return c.json({ broadcast: await broadcastView(c.env.DB, access.tenant, record.id) }, 202);
});

broadcasts.post("/estimate", ROUTE_DOCS ? describe("How many people a broadcast would reach now", ["apiKey"], { "200": "{ total }" }) : undescribed, businessOnly(["bot", "admin"]), jsonBody(EstimateBody), async (c) => {
  const access = businessOf(c, ["bot", "admin"]);
  const body = c.req.valid("json");
  const labels = labelsOf(body.audience);
  await requireTopic(c, access.tenant, body.topic);
  return c.json({ total: await estimateAudience(c.env.DB, access.tenant, body.topic, labels) });
});

broadcasts.get("/", ROUTE_DOCS ? describe("Broadcasts, newest first", ["apiKey"], { "200": "{ broadcasts, cursor }" }) : undescribed, queryOf(ListQuery), async (c) => {
  const access = businessOf(c);
  const query = c.req.valid("query");
  const page = await listBroadcasts(c.env.DB, access.tenant, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.cursor ? { after: decodeCursor(query.cursor, isCursor) } : {}),
  });
  return c.json({ broadcasts: page.broadcasts, cursor: page.last ? encodeCursor(page.last) : null });
});

broadcasts.get("/:id", ROUTE_DOCS ? describe("A broadcast with live counters", ["apiKey"], { "200": "{ broadcast }" }) : undescribed, async (c) => {
  const access = businessOf(c);
  return c.json({ broadcast: await broadcastView(c.env.DB, access.tenant, c.req.param("id")) });
});

broadcasts.post("/:id/cancel", ROUTE_DOCS ? describe("Cancel; reports how many deliveries were in flight", ["apiKey"], { "200": "{ broadcast, inFlight }" }) : undescribed, async (c) => {
  const access = businessOf(c, ["bot", "admin"]);
  const { view, inFlight } = await cancelBroadcast(c.env.DB, access.tenant, c.req.param("id"));
  return c.json({ broadcast: view, inFlight });
});
