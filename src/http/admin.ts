// The operator's admin API (Authorization: Bearer <ADMIN_TOKEN>): create and
// configure tenants, mint tenant API keys. Keys are shown once, kept hashed.
import { Hono } from "hono/tiny";
import * as z from "../zod";
import { sameSecret } from "../crypto/same-secret";
import { settingsOf } from "../env";
import { AttachmentSettings, createApiKey, findTenant, IdentityConfig, insertTenant, Origin, TenantId, tenantView, updateTenant } from "../directory/tenants";
import { ServiceError } from "../protocol/errors";
import { RateLimitsConfig } from "../ratelimit/limits";
import { TenantSettings } from "../directory/tenant-settings";
import { webhookUrlProblem } from "../webhooks/url-policy";
import { bearerOf } from "./auth";
import type { AppEnv } from "./types";
import { definedFields } from "./defined";
import { describe, jsonBody, ROUTE_DOCS, undescribed } from "./route";

const AllowedOrigins = z.array(Origin).check(z.maxLength(50));

export const CreateTenant = z.strictObject({
  id: TenantId,
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
  allowedOrigins: z._default(AllowedOrigins, []),
  identity: IdentityConfig,
  rateLimits: z.optional(RateLimitsConfig),
  attachments: z.optional(AttachmentSettings),
  settings: z.optional(TenantSettings),
});

export const PatchTenant = z
  .strictObject({
    name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
    allowedOrigins: z.optional(AllowedOrigins),
    identity: z.optional(IdentityConfig),
    rateLimits: z.optional(RateLimitsConfig),
    attachments: z.optional(AttachmentSettings),
    settings: z.optional(TenantSettings),
  })
  .check(z.refine((p) => Object.keys(p).length > 0, { message: "nothing to change" }));

export const CreateApiKey = z.strictObject({
  role: z.enum(["bot", "agent", "admin"]),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
});

export const admin = new Hono<AppEnv>();

admin.use("*", async function adminOnly(c, next) {
  const expected = settingsOf(c.env).adminToken;
  if (!expected) throw new ServiceError("forbidden", "the admin API is disabled: set ADMIN_TOKEN");
  const given = bearerOf(c.req.header("authorization"));
  if (!given || !(await sameSecret(given, expected))) throw new ServiceError("invalid_token", "admin token required");
  await next();
});

/**
 * A tenant's `jwksUrl` is fetched by the Worker, so it obeys the webhook URL
 * rule (src/webhooks/url-policy.ts, SSRF): https only, no local host or
 * non-public IP literal except localhost/127.0.0.1 with DEV_SEED. Throws
 * invalid_request naming `identity.jwksUrl`.
 */
function checkJwksUrl(identity: IdentityConfig | undefined, dev: boolean): void {
  const url = identity?.jwksUrl;
  const problem = url === undefined ? null : webhookUrlProblem(url, dev);
  if (problem) throw new ServiceError("invalid_request", "request body is invalid", { errors: [{ path: "identity.jwksUrl", message: problem }] });
}

admin.post("/tenants", ROUTE_DOCS ? describe("Create a tenant; its admin API key is shown once", ["admin"], { "201": "Created" }) : undescribed, jsonBody(CreateTenant), async (c) => {
  const body = c.req.valid("json");
  checkJwksUrl(body.identity, settingsOf(c.env).devSeed);
  const input = {
    id: body.id,
    name: body.name,
    allowedOrigins: body.allowedOrigins,
    identity: body.identity,
    ...(body.rateLimits ? { rateLimits: body.rateLimits } : {}),
    ...(body.attachments ? { attachments: body.attachments } : {}),
    ...(body.settings ? { settings: body.settings } : {}),
  };
  const tenant = await insertTenant(c.env.DB, input);
  if (!tenant) throw new ServiceError("conflict", `tenant ${body.id} already exists`);
  const key = await createApiKey(c.env.DB, tenant.id, "admin", "created with the tenant");
  return c.json({ tenant: tenantView(tenant), apiKey: key.key, apiKeyId: key.id }, 201);
});

admin.get("/tenants/:id", ROUTE_DOCS ? describe("A tenant, without secrets", ["admin"], { "200": "The tenant" }) : undescribed, async (c) => {
  const tenant = await findTenant(c.env.DB, c.req.param("id"), Number.POSITIVE_INFINITY);
  if (!tenant) throw new ServiceError("not_found", "no such tenant");
  return c.json({ tenant: tenantView(tenant) });
});

admin.patch("/tenants/:id", ROUTE_DOCS ? describe("Change a tenant", ["admin"], { "200": "The tenant" }) : undescribed, jsonBody(PatchTenant), async (c) => {
  const body = c.req.valid("json");
  checkJwksUrl(body.identity, settingsOf(c.env).devSeed);
  const patch: Parameters<typeof updateTenant>[2] = definedFields(body, ["name", "allowedOrigins", "identity", "rateLimits", "attachments", "settings"]);
  const tenant = await updateTenant(c.env.DB, c.req.param("id"), patch);
  if (!tenant) throw new ServiceError("not_found", "no such tenant");
  return c.json({ tenant: tenantView(tenant) });
});

admin.post("/tenants/:id/api-keys", ROUTE_DOCS ? describe("Create an API key, shown once", ["admin"], { "201": "Created" }) : undescribed, jsonBody(CreateApiKey), async (c) => {
  const body = c.req.valid("json");
  const tenant = await findTenant(c.env.DB, c.req.param("id"), Number.POSITIVE_INFINITY);
  if (!tenant) throw new ServiceError("not_found", "no such tenant");
  const key = await createApiKey(c.env.DB, tenant.id, body.role, body.name);
  return c.json({ apiKey: key.key, id: key.id, role: key.role, ...(body.name ? { name: body.name } : {}) }, 201);
});

