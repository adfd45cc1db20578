// GET /openapi.json: the published form of the API contract. Request bodies
// come from the same zod schemas that validate them, so the document cannot
// drift from what the Worker accepts.
import { Hono } from "hono";
import { z } from "zod";
import { Content } from "../protocol/content";
import { ERROR_STATUS } from "../protocol/errors";
import { CreateApiKey, CreateTenant, PatchTenant } from "./admin";
import { CreateConversation, HandoverRequest, PaymentUpdate, ReadRequest, SendMessage } from "./conversations";
import { SessionRequest } from "./sessions";
import type { AppEnv } from "./types";
import { channelPaths } from "../channels/openapi-paths";

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const problem = { "application/problem+json": { schema: ref("Problem") } };

function op(
  summary: string,
  security: ("session" | "apiKey" | "admin")[],
  responses: Record<string, string | { description: string; content?: unknown }>,
  body?: unknown,
  parameters?: unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    summary,
    responses: {
      ...Object.fromEntries(
        Object.entries(responses).map(([status, r]) => [status, typeof r === "string" ? { description: r } : r]),
      ),
      default: { description: "An error", content: problem },
    },
  };
  if (security.length > 0) out.security = security.map((s) => ({ [s]: [] }));
  if (body) out.requestBody = { required: true, content: json(body) };
  if (parameters) out.parameters = parameters;
  return out;
}

const idParam = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^cnv_[0-9A-Za-z]{22}$" } };
const tenantParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const seqQuery = (name: string) => ({ name, in: "query", schema: { type: "integer", minimum: 0 } });

let document: JsonSchema | null = null;

function openApiDocument(): JsonSchema {
  document ??= {
    openapi: "3.1.0",
    info: {
      title: "Carryover API",
      version: "v1",
      description: "Customer chat that carries a conversation across apps, websites and devices. Errors are RFC 9457 problem+json.",
    },
    components: {
      securitySchemes: {
        session: { type: "http", scheme: "bearer", description: "A customer session token from POST /v1/sessions" },
        apiKey: { type: "http", scheme: "bearer", description: "A tenant API key (ck_…)" },
        admin: { type: "http", scheme: "bearer", description: "The operator's ADMIN_TOKEN" },
      },
      schemas: {
        Content: schemaOf(Content),
        Problem: {
          type: "object",
          required: ["type", "title", "status", "code"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            code: { enum: Object.keys(ERROR_STATUS) },
            detail: { type: "string" },
            errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
            retryAfter: { type: "integer" },
          },
        },
        Event: {
          type: "object",
          required: ["seq", "id", "type", "at", "sender"],
          properties: {
            seq: { type: "integer", minimum: 1 },
            id: { type: "string" },
            type: { enum: ["message.created", "message.updated", "message.deleted", "conversation.updated", "payment.updated"] },
            at: { type: "string", format: "date-time" },
            sender: {
              type: "object",
              properties: { role: { enum: ["customer", "agent", "bot", "system"] }, id: { type: "string" }, name: { type: "string" }, deviceId: { type: "string" } },
            },
            clientId: { type: "string" },
            content: ref("Content"),
            target: { type: "string" },
            status: { type: "string" },
            owner: { type: "string" },
          },
        },
      },
    },
    paths: {
      "/v1/sessions": {
        post: op("Open a session on a device (identity, guest, handoff or refresh token)", [], { "201": "The session" }, schemaOf(SessionRequest)),
        get: op("This person's devices", ["session"], { "200": "The devices" }),
        delete: op("Sign out every device of this person", ["session"], { "204": "Signed out" }),
      },
      "/v1/sessions/current": { delete: op("Sign this device out", ["session"], { "204": "Signed out" }) },
      "/v1/me/conversations": { get: op("This person's conversations with unread counts", ["session"], { "200": "The list" }) },
      "/v1/conversations": {
        post: op("This person's open conversation, created if none", ["session"], { "200": "Existing", "201": "Created" }, schemaOf(CreateConversation)),
      },
      "/v1/conversations/{id}": { get: op("A conversation and its read cursors", ["session", "apiKey"], { "200": "The conversation" }, undefined, [idParam]) },
      "/v1/conversations/{id}/events": {
        get: op(
          "Events after a seq (forward sync) or before one (history), ascending",
          ["session", "apiKey"],
          { "200": { description: "A page", content: json({ type: "object", properties: { events: { type: "array", items: ref("Event") }, cursor: { type: "integer" }, hasMore: { type: "boolean" } } }) } },
          undefined,
          [idParam, seqQuery("after"), seqQuery("before"), { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 100 } }],
        ),
      },
      "/v1/conversations/{id}/messages": {
        post: op(
          "Append a message; idempotent by clientId (API keys add sender)",
          ["session", "apiKey"],
          { "200": "A retry: the original event", "201": "Appended", "409": "clientId used with other content" },
          schemaOf(SendMessage),
          [idParam],
        ),
      },
      "/v1/conversations/{id}/read": { post: op("Move this device's read cursor", ["session"], { "204": "Moved (never backwards)" }, schemaOf(ReadRequest), [idParam]) },
      "/v1/conversations/{id}/handover": {
        post: op("Pass the thread between the bot and a human agent (a conversation.updated event)", ["apiKey"], { "200": "The conversation and the event, or event null when the owner did not change" }, schemaOf(HandoverRequest), [idParam]),
      },
      "/v1/conversations/{id}/payments/{requestId}": {
        post: op("A payment request's new status (a payment.updated event)", ["apiKey"], { "200": "A retry: the earlier update", "201": "Recorded", "409": "The request is already final" }, schemaOf(PaymentUpdate), [idParam, { name: "requestId", in: "path", required: true, schema: { type: "string" } }]),
      },
      "/v1/conversations/{id}/handoff": { post: op("A one-time link to continue on another device", ["session"], { "201": "The handoff token and URL" }, undefined, [idParam]) },
      "/v1/conversations/{id}/live": {
        get: op(
          "WebSocket: Sec-WebSocket-Protocol carryover.v1, bearer.<token>; replay after `after`, then ready, then live frames",
          [],
          { "101": "Switching protocols" },
          undefined,
          [idParam, seqQuery("after")],
        ),
      },
      "/v1/admin/tenants": { post: op("Create a tenant; its admin API key is shown once", ["admin"], { "201": "Created" }, schemaOf(CreateTenant)) },
      "/v1/admin/tenants/{id}": {
        get: op("A tenant, without secrets", ["admin"], { "200": "The tenant" }, undefined, [tenantParam]),
        patch: op("Change a tenant", ["admin"], { "200": "The tenant" }, schemaOf(PatchTenant), [tenantParam]),
      },
      "/v1/admin/tenants/{id}/api-keys": { post: op("Create an API key, shown once", ["admin"], { "201": "Created" }, schemaOf(CreateApiKey), [tenantParam]) },
      ...channelPaths({ op, schemaOf, idParam }),
    },
  };
  return document;
}

export const openapi = new Hono<AppEnv>();
openapi.get("/openapi.json", (c) => c.json(openApiDocument()));
