// GET /openapi.json: the published form of the API contract. Request bodies
// come from the same zod schemas that validate them, so the document cannot
// drift from what the Worker accepts.
import { Hono } from "hono";
import * as z from "zod";
import { ATTACHMENT_TYPES } from "../protocol/attachment";
import { Content } from "../protocol/content";
import { ERROR_STATUS } from "../protocol/errors";
import { BEARER_PREFIX, CloseCode, LIVE_PROTOCOL } from "../protocol/wire";
import { CreateApiKey, CreateTenant, PatchTenant } from "./admin";
import { broadcastPaths } from "./openapi-broadcasts";
import { AgentSessionRequest } from "./agent-sessions";
import { CreateConversation, HandoverRequest, NoteRequest, PatchConversation, PaymentUpdate, ReadRequest, SendMessage } from "./conversations";
import { SessionRequest } from "./sessions";
import { webhookPaths } from "./openapi-webhooks";
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
  security: ("session" | "apiKey" | "agentSession" | "admin")[],
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
const attParam = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^att_[0-9A-Za-z]{44}$" } };
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
        agentSession: { type: "http", scheme: "bearer", description: "An agent session token from POST /v1/agent-sessions (a business caller)" },
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
      "/v1": { get: op("The API's name and version", [], { "200": '{ name: "carryover", version: "v1" }' }) },
      "/v1/sessions": {
        post: op("Open a session on a device (identity, guest, handoff or refresh token)", [], { "201": "The session" }, schemaOf(SessionRequest)),
        get: op("This person's devices", ["session"], { "200": "The devices" }),
        delete: op("Sign out every device of this person", ["session"], { "204": "Signed out" }),
      },
      "/v1/sessions/current": { delete: op("Sign this device out", ["session"], { "204": "Signed out" }) },
      "/v1/me/conversations": { get: op("This person's conversations with unread counts", ["session"], { "200": "The list" }) },
      "/v1/agent-sessions": {
        post: op("Sign an agent in (agent identity token, aud carryover:agent) or refresh (the refresh token rotates)", [], { "201": "The agent session" }, schemaOf(AgentSessionRequest)),
      },
      "/v1/agent-sessions/current": { delete: op(`Sign this agent session out; its live sockets close with ${CloseCode.revoked}`, ["agentSession"], { "204": "Signed out" }) },
      "/v1/conversations": {
        post: op("This person's open conversation, created if none", ["session"], { "200": "Existing", "201": "Created" }, schemaOf(CreateConversation)),
        get: op(
          "The directory: the tenant's conversations, filtered, sorted, keyset-paged; q searches message text and customers",
          ["apiKey", "agentSession"],
          { "200": "A page of rows, the next cursor (null at the end), counts when asked" },
          undefined,
          ["status", "assignee", "owner", "label", "q", "sort", "cursor", "limit", "counts"].map((name) => ({ name, in: "query", schema: { type: "string" } })),
        ),
      },
      "/v1/conversations/{id}": {
        get: op("A conversation and its read cursors (business callers also get its state)", ["session", "apiKey", "agentSession"], { "200": "The conversation" }, undefined, [idParam]),
        patch: op("Change status, snooze, assignee, labels: one conversation.updated event with changes", ["apiKey", "agentSession"], { "200": "The conversation and the event (null when nothing changed)" }, schemaOf(PatchConversation), [idParam]),
      },
      "/v1/conversations/{id}/notes": {
        post: op("Write an internal note (never in the customer log); idempotent by clientId", ["apiKey", "agentSession"], { "200": "A retry: the original note", "201": "Written" }, schemaOf(NoteRequest), [idParam]),
        get: op("Internal notes after the note `after`", ["apiKey", "agentSession"], { "200": "{ notes, cursor, hasMore }" }, undefined, [idParam, { name: "after", in: "query", schema: { type: "string" } }]),
      },
      "/v1/inbox/live": {
        get: op(`WebSocket (${LIVE_PROTOCOL}, ${BEARER_PREFIX}<agent session or API key>): a conversation frame for every directory change of the tenant`, [], { "101": "Switching protocols" }),
      },
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
        post: op("Pass the thread between the bot and agents (ifEpoch guards a take; 409 names the owner)", ["apiKey", "agentSession"], { "200": "The conversation and the event, or event null when the owner did not change", "409": "Stale ifEpoch, or another agent owns the thread" }, schemaOf(HandoverRequest), [idParam]),
      },
      "/v1/conversations/{id}/payments/{requestId}": {
        post: op("A payment request's new status (a payment.updated event)", ["apiKey"], { "200": "A retry: the earlier update", "201": "Recorded", "409": "The request is already final" }, schemaOf(PaymentUpdate), [idParam, { name: "requestId", in: "path", required: true, schema: { type: "string" } }]),
      },
      "/v1/conversations/{id}/handoff": { post: op("A one-time link to continue on another device", ["session"], { "201": "The handoff token and URL" }, undefined, [idParam]) },
      "/v1/conversations/{id}/live": {
        get: op(
          `WebSocket: Sec-WebSocket-Protocol ${LIVE_PROTOCOL}, ${BEARER_PREFIX}<token>; replay after \`after\`, then ready, then live frames`,
          [],
          { "101": "Switching protocols" },
          undefined,
          [idParam, seqQuery("after")],
        ),
      },
      "/v1/attachments": {
        post: {
          ...op(
            "Upload a file into a conversation (raw body, Content-Type = the file's type; sniffed; 25 MiB unless the tenant sets another limit)",
            ["session", "apiKey"],
            { "201": "The attachment", "413": "Over the size limit", "415": "A type outside the allow-list, or bytes that are not the declared type" },
            undefined,
            [
              { name: "conversationId", in: "query", required: true, schema: { type: "string" } },
              { name: "filename", in: "query", required: true, schema: { type: "string", maxLength: 255 } },
            ],
          ),
          requestBody: { required: true, content: Object.fromEntries(Object.keys(ATTACHMENT_TYPES).map((t) => [t, { schema: { type: "string", format: "binary" } }])) },
        },
      },
      "/v1/attachments/{id}": {
        get: op("Redirect (302) to a signed content URL valid for 15 minutes", ["session", "apiKey"], { "302": "To /v1/attachments/{id}/content?tenant=&exp=&sig=" }, undefined, [attParam]),
      },
      "/v1/attachments/{id}/url": {
        get: op("The signed content URL as JSON (Carryover extension)", ["session", "apiKey"], { "200": "{ url, expiresAt, attachment }" }, undefined, [attParam]),
      },
      "/v1/attachments/{id}/content": {
        get: op("The bytes, for a valid signed URL (no credentials); Range supported", [], { "200": "The file", "206": "A byte range", "403": "Tampered or expired link", "416": "Range not satisfiable" }, undefined, [
          attParam,
          { name: "tenant", in: "query", required: true, schema: { type: "string" } },
          { name: "exp", in: "query", required: true, schema: { type: "integer" } },
          { name: "sig", in: "query", required: true, schema: { type: "string" } },
        ]),
      },
      "/v1/admin/tenants": { post: op("Create a tenant; its admin API key is shown once", ["admin"], { "201": "Created" }, schemaOf(CreateTenant)) },
      "/v1/admin/tenants/{id}": {
        get: op("A tenant, without secrets", ["admin"], { "200": "The tenant" }, undefined, [tenantParam]),
        patch: op("Change a tenant", ["admin"], { "200": "The tenant" }, schemaOf(PatchTenant), [tenantParam]),
      },
      "/v1/admin/tenants/{id}/api-keys": { post: op("Create an API key, shown once", ["admin"], { "201": "Created" }, schemaOf(CreateApiKey), [tenantParam]) },
      ...broadcastPaths(op, schemaOf),
      ...webhookPaths(op, schemaOf),
      ...channelPaths({ op, schemaOf, idParam }),
    },
  };
  return document;
}

export const openapi = new Hono<AppEnv>();
openapi.get("/openapi.json", (c) => c.json(openApiDocument()));
