// Webhook endpoints, their deliveries, retry and recover (API.md "Business
// side" → "Webhooks"). Admin-role API keys only. Thin: validate, then D1 for
// endpoints and the delivery index, the owning outbox DO for retries.
import { conversationStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { settingsOf } from "../env";
import { isConversationId } from "../ids";
import type { BusinessAccess } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { deliveryHome, failedHomes, listDeliveries } from "../webhooks/deliveries-index";
import {
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  WEBHOOK_EVENT_TYPES,
} from "../webhooks/endpoints";
import { endpointsChanged, enqueueTenantWebhook } from "../webhooks/tenant-outbox";
import { webhookUrlProblem } from "../webhooks/url-policy";
import { webhookSinkId } from "../webhooks/webhook-sink";
import { authenticate, businessOf, businessOnly } from "./auth";
import type { AppEnv } from "./types";
import { definedFields } from "./defined";
import { describe, jsonBody, pathParams, queryOf, ROUTE_DOCS, undescribed } from "./route";
import { decimalInt } from "./decimal-int";

const EventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .check(
    z.minLength(1),
    z.maxLength(WEBHOOK_EVENT_TYPES.length),
    z.refine((types) => new Set(types).size === types.length, "each event type once"),
  );

/** Every event goes to every subscribed endpoint: a bound keeps one append's fan-out small. */
const MAX_ENDPOINTS = 20;

const Description = z.string().check(z.trim(), z.minLength(1), z.maxLength(256));

function urlField(dev: boolean) {
  return z.string().check(
    z.maxLength(2048),
    z.superRefine((value, ctx) => {
      const problem = webhookUrlProblem(value, dev);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  );
}

function createSchema(dev: boolean) {
  return z.strictObject({
    url: urlField(dev),
    events: EventTypes,
    description: z.optional(Description),
    bot: z.optional(z.boolean()),
  });
}

function patchSchema(dev: boolean) {
  return z
    .strictObject({
      url: z.optional(urlField(dev)),
      events: z.optional(EventTypes),
      description: z.optional(z.nullable(Description)),
      bot: z.optional(z.boolean()),
      disabled: z.optional(z.boolean()),
    })
    .check(z.refine((p) => Object.keys(p).length > 0, { message: "nothing to change" }));
}

/** The request bodies as published (/openapi.json); the URL rule itself is checked in code. */
const CreateEndpointBody = createSchema(false);
const PatchEndpointBody = patchSchema(false);

const DeliveriesQuery = z.strictObject({
  status: z.optional(z.enum(["pending", "failed", "succeeded"])),
  conversationId: z.optional(z.string().check(z.refine(isConversationId, "not a conversation id"))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  limit: z._default(decimalInt(1, 100), 50),
});

export const Recover = z.strictObject({ since: z.iso.datetime({ offset: true }) });

function admin(c: Context<AppEnv>): BusinessAccess {
  return businessOf(c, ["admin"]);
}

async function endpointOf(c: Context<AppEnv>, access: BusinessAccess) {
  const endpoint = await findEndpoint(c.env, access.tenant, c.req.param("id") ?? "");
  if (!endpoint) throw new ServiceError("not_found", "no such webhook endpoint");
  return endpoint;
}

export const webhooks = new Hono<AppEnv>();
webhooks.use("*", authenticate());

const endpointId = { type: "string" as const, pattern: "^whe_" };
const onEndpoint = pathParams({ id: endpointId });
/** The URL rule allows localhost with DEV_SEED, so the schema that checks a body depends on the deployment. */
const inDeployment = <S>(schemaFor: (dev: boolean) => S) => ({ runtime: (c: Context<AppEnv>) => schemaFor(settingsOf(c.env).devSeed) });

const create = ROUTE_DOCS ? describe("Create a webhook endpoint (admin key); its whsec_ secret is shown once", ["apiKey"], { "201": "The endpoint and its secret" }) : undescribed;

webhooks.post("/", create, businessOnly(["admin"]), jsonBody(CreateEndpointBody, inDeployment(createSchema)), async (c) => {
  const access = admin(c);
  const body = c.req.valid("json");
  const input: Parameters<typeof createEndpoint>[2] = { url: body.url, events: body.events };
  if (body.description) input.description = body.description;
  if (body.bot !== undefined) input.bot = body.bot;
  if ((await listEndpoints(c.env, access.tenant)).length >= MAX_ENDPOINTS) {
    throw new ServiceError("conflict", `a tenant has at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`);
  }
  const { endpoint, secret } = await createEndpoint(c.env, access.tenant, input);
  await endpointsChanged(c.env, access.tenant);
  return c.json({ endpoint, secret }, 201, { "cache-control": "no-store" });
});

webhooks.get("/", ROUTE_DOCS ? describe("The tenant's webhook endpoints", ["apiKey"], { "200": "The endpoints" }) : undescribed, async (c) => {
  const access = admin(c);
  return c.json({ endpoints: await listEndpoints(c.env, access.tenant) });
});

webhooks.get("/:id", ROUTE_DOCS ? describe("A webhook endpoint (never its secret)", ["apiKey"], { "200": "The endpoint" }, onEndpoint) : undescribed, async (c) => {
  const access = admin(c);
  return c.json({ endpoint: await endpointOf(c, access) });
});

const patchEndpoint = ROUTE_DOCS ? describe("Change an endpoint; disabled: false enables it again", ["apiKey"], { "200": "The endpoint" }, onEndpoint) : undescribed;

webhooks.patch("/:id", patchEndpoint, businessOnly(["admin"]), jsonBody(PatchEndpointBody, inDeployment(patchSchema)), async (c) => {
  const access = admin(c);
  const body = c.req.valid("json");
  const patch: Parameters<typeof updateEndpoint>[3] = definedFields(body, ["url", "events", "description", "bot", "disabled"]);
  const endpoint = await updateEndpoint(c.env, access.tenant, c.req.param("id"), patch);
  if (!endpoint) throw new ServiceError("not_found", "no such webhook endpoint");
  await endpointsChanged(c.env, access.tenant);
  return c.json({ endpoint });
});

webhooks.delete("/:id", ROUTE_DOCS ? describe("Delete an endpoint", ["apiKey"], { "204": "Deleted" }, onEndpoint) : undescribed, async (c) => {
  const access = admin(c);
  if (!(await deleteEndpoint(c.env, access.tenant, c.req.param("id")))) throw new ServiceError("not_found", "no such webhook endpoint");
  await endpointsChanged(c.env, access.tenant);
  return c.body(null, 204);
});

webhooks.post("/:id/rotate-secret", ROUTE_DOCS ? describe("A new secret; the old one keeps signing alongside for 24 h", ["apiKey"], { "200": "The new secret" }, onEndpoint) : undescribed, async (c) => {
  const access = admin(c);
  const secret = await rotateSecret(c.env, access.tenant, c.req.param("id"));
  if (!secret) throw new ServiceError("not_found", "no such webhook endpoint");
  return c.json({ secret }, 200, { "cache-control": "no-store" });
});

/** A `ping` delivery to this endpoint alone (even when it does not subscribe to `ping`). */
webhooks.post("/:id/test", ROUTE_DOCS ? describe("Send a ping delivery to this endpoint", ["apiKey"], { "202": "Queued" }, onEndpoint) : undescribed, async (c) => {
  const access = admin(c);
  const endpoint = await endpointOf(c, access);
  if (endpoint.disabled) throw new ServiceError("conflict", "the endpoint is disabled; enable it first (PATCH disabled: false)");
  await enqueueTenantWebhook(c.env, access.tenant, "ping", { endpointId: endpoint.id }, { endpointId: endpoint.id });
  return c.json({ queued: true }, 202);
});

const deliveries = ROUTE_DOCS ? describe("Deliveries, newest first, with attempts and the last answer", ["apiKey"], { "200": "A page of deliveries" }, onEndpoint) : undescribed;

webhooks.get("/:id/deliveries", deliveries, queryOf(DeliveriesQuery), async (c) => {
  const access = admin(c);
  const endpoint = await endpointOf(c, access);
  const query = c.req.valid("query");
  const page = await listDeliveries(c.env, access.tenant, endpoint.id, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.conversationId ? { conversationId: query.conversationId } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  if (!page) throw new ServiceError("invalid_request", "query is invalid", { errors: [{ path: "cursor", message: "malformed cursor" }] });
  return c.json(page);
});

function outboxOf(c: Context<AppEnv>, tenant: string, conversationId: string | null) {
  return conversationId === null ? c.env.TENANT_OUTBOX.getByName(tenant) : conversationStub(c.env, tenant, conversationId);
}

const retry = ROUTE_DOCS ? describe("Send one delivery again now", ["apiKey"], { "202": "Queued" }, pathParams({ id: endpointId, deliveryId: { type: "string", pattern: "^msg_" } })) : undescribed;

webhooks.post("/:id/deliveries/:deliveryId/retry", retry, async (c) => {
  const access = admin(c);
  const endpoint = await endpointOf(c, access);
  const id = c.req.param("deliveryId");
  const home = await deliveryHome(c.env, access.tenant, endpoint.id, id);
  if (home === undefined || !(await outboxOf(c, access.tenant, home).retryDelivery(id))) {
    throw new ServiceError("not_found", "no such delivery");
  }
  return c.json({ queued: true }, 202);
});

const recover = ROUTE_DOCS ? describe("Send again every failed delivery created since a time", ["apiKey"], { "202": "How many were queued" }, onEndpoint) : undescribed;

webhooks.post("/:id/recover", recover, businessOnly(["admin"]), jsonBody(Recover), async (c) => {
  const access = admin(c);
  const endpoint = await endpointOf(c, access);
  const { since } = c.req.valid("json");
  const sinceMs = Date.parse(since);
  const homes = await failedHomes(c.env, access.tenant, endpoint.id, new Date(sinceMs).toISOString());
  let recovered = 0;
  // A few at a time: each is one Durable Object call.
  for (let i = 0; i < homes.length; i += 20) {
    const counts = await Promise.all(
      homes.slice(i, i + 20).map((home) => outboxOf(c, access.tenant, home).recoverDeliveries(webhookSinkId(endpoint.id), sinceMs)),
    );
    recovered += counts.reduce((a, b) => a + b, 0);
  }
  return c.json({ recovered }, 202);
});
