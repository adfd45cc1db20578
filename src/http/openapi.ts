// The published form of the API contract (GET /openapi.json), generated at
// BUILD time (src/dev/build.mjs) by hono-openapi from the route declarations
// (src/http/route.ts): the same zod schemas that validate a request describe
// it, so the document cannot drift from what the Worker accepts. Never
// imported by the Worker: the generator and zod's JSON Schema conversion stay
// out of its bundle.
import type { Hono } from "hono";
import { generateSpecs, resolver, uniqueSymbol, type GenerateSpecOptions } from "hono-openapi";
import { findTargetHandler } from "hono/utils/handler";
import * as z from "zod";
import { Content } from "../protocol/content";
import { ERROR_STATUS } from "../protocol/errors";
import { ROUTE_DOC, ROUTE_DOCS, type RouteDoc } from "./route";
import type { AppEnv } from "./types";

const problem = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };

function schemaOf(schema: z.core.$ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

const documentation: GenerateSpecOptions["documentation"] = {
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
          content: { $ref: "#/components/schemas/Content" },
          target: { type: "string" },
          status: { type: "string" },
          owner: { type: "string" },
        },
      },
    },
  },
};

/** Every operation may fail with a problem+json body. */
const anError = { responses: { default: { description: "An error", content: problem } } };

/**
 * zod leaves a `.default()` out of an input schema when its value is the
 * output of a transform (a query integer, src/http/decimal-int.ts, arrives
 * as a string); the value is what a client gets when it leaves the parameter
 * out, so the document shows it.
 */
function showDefault(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: Record<string, unknown> }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type === "default" && ctx.jsonSchema.default === undefined) ctx.jsonSchema.default = def.defaultValue;
}

/**
 * Hands each route's ROUTE_DOC mark to hono-openapi in the form its generator
 * reads (`uniqueSymbol`): descriptions as they are, validated inputs through
 * its zod `resolver`.
 */
function markForGenerator(app: Hono<AppEnv>): void {
  for (const route of app.routes) {
    const handler = findTargetHandler(route.handler) as { [ROUTE_DOC]?: RouteDoc; [uniqueSymbol]?: unknown };
    const doc = handler[ROUTE_DOC];
    if (!doc) continue;
    handler[uniqueSymbol] = "spec" in doc ? { spec: doc.spec } : { target: doc.target, ...resolver(doc.schema, { options: { unrepresentable: "any", override: showDefault } }) };
  }
}

/** The OpenAPI 3.1 document of every described route of `app` (the `/demo` routes are local development only). */
export async function openApiDocument(app: Hono<AppEnv>): Promise<Record<string, unknown>> {
  // Without the define the routes carry no descriptions: a document of bare paths, not one to publish.
  if (!ROUTE_DOCS) throw new Error("the OpenAPI build must define __CARRYOVER_ROUTE_DOCS__ as true (src/http/route-docs.ts)");
  markForGenerator(app);
  const doc = await generateSpecs(app, {
    documentation,
    exclude: [/^\/demo\//],
    defaultOptions: { GET: anError, POST: anError, PUT: anError, PATCH: anError, DELETE: anError },
    defaultValidationErrorResponse: { description: "The request is invalid: `errors` names each field", content: problem },
  });
  return doc as unknown as Record<string, unknown>;
}
