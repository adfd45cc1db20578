// One declaration per route: `describe(…)` says what the route is, `jsonBody(…)`
// and `queryOf(…)` validate what it takes and type `c.req.valid(…)`. Both mark
// themselves with ROUTE_DOC; the build (src/dev/build-openapi.mjs, src/http/openapi.ts) hands those
// marks to hono-openapi, which writes /openapi.json. The generator and zod's
// JSON Schema conversion so stay out of the Worker bundle; a route writes
// `ROUTE_DOCS ? describe(…) : undescribed` so the descriptions' literals do too.
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono/tiny";
import type { DescribeRouteOptions } from "hono-openapi";
import type * as z from "../zod";
import type { AppEnv } from "./types";
import { parseWith, readJson } from "./validate";

export { ROUTE_DOCS } from "./route-docs";

/** The key under which a route's middleware carries what /openapi.json says about it. */
export const ROUTE_DOC = Symbol.for("carryover.route-doc");

/** What one middleware contributes to the document: the route's description, or a validated input. */
export type RouteDoc = { spec: DescribeRouteOptions } | { target: "json" | "query"; schema: z.ZodMiniType };

type Marked<M> = M & { [ROUTE_DOC]: RouteDoc };

/** The security schemes of the document (src/http/openapi.ts names them). */
export type Credential = "session" | "apiKey" | "agentSession" | "admin";

/** The route's summary, who may call it and its answers; `default` (a problem+json error) is added for every route. */
export function describe(
  summary: string,
  security: Credential[],
  responses: Record<string, string>,
  more: Omit<DescribeRouteOptions, "summary" | "security" | "responses"> = {},
): Marked<MiddlewareHandler<AppEnv>> {
  const spec: DescribeRouteOptions = {
    summary,
    responses: Object.fromEntries(Object.entries(responses).map(([status, description]) => [status, { description }])),
    ...(security.length > 0 ? { security: security.map((s) => ({ [s]: [] })) } : {}),
    ...more,
  };
  return Object.assign(
    async function described(_c: Context, next: () => Promise<void>) {
      await next();
    },
    { [ROUTE_DOC]: { spec } },
  );
}

/** A route's description where the build has none (`ROUTE_DOCS` false): a no-op layer, left out of the served app like a description. */
export async function undescribed(_c: Context, next: () => Promise<void>): Promise<void> {
  await next();
}

type Parameter = Exclude<NonNullable<DescribeRouteOptions["parameters"]>[number], { $ref: string }>;

/**
 * `describe(…)`'s `more` for path parameters whose values have a form (a
 * pattern, an enum); the others are listed as plain strings by the generator.
 */
export function pathParams(schemas: Record<string, NonNullable<Parameter["schema"]>>): { parameters: Parameter[] } {
  return { parameters: Object.entries(schemas).map(([name, schema]) => ({ name, in: "path", required: true, schema })) };
}

/** The `:id` of /v1/conversations/:id/… */
export const onConversation = pathParams({ id: { type: "string", pattern: "^cnv_[0-9A-Za-z]{22}$" } });

type Validated<T extends "json" | "query", S extends z.ZodMiniType> = Marked<
  MiddlewareHandler<AppEnv, string, { out: { [K in T]: z.output<S> } }>
>;

interface BodyOptions<S extends z.ZodMiniType> {
  /** An empty body (no Content-Type, or Content-Length 0) stands for `{}`. */
  optional?: boolean;
  /** The schema that validates, when it depends on the deployment (the published `schema` is its strictest form). */
  runtime?: (c: Context<AppEnv>) => S;
}

/** No body to read: no Content-Type, or Content-Length 0. */
function emptyBody(c: Context<AppEnv>): boolean {
  return (c.req.header("content-length") ?? "") === "0" || !c.req.header("content-type");
}

/**
 * A JSON request body checked against `schema`: 415 unless application/json,
 * 413 over 64 KiB (chunked bodies too), 400 for bad UTF-8, bad JSON or every
 * schema error (with its path). `c.req.valid("json")` is the parsed value.
 */
export function jsonBody<S extends z.ZodMiniType>(schema: S, options: BodyOptions<S> = {}): Validated<"json", S> {
  return Object.assign(
    async function validBody(c: Context<AppEnv>, next: () => Promise<void>) {
      const value = options.optional && emptyBody(c) ? {} : await readJson(c);
      // Schemas here parse objects; hono types validated data as `{}`.
      c.req.addValidatedData("json", parseWith(options.runtime?.(c) ?? schema, value) as object);
      await next();
    },
    { [ROUTE_DOC]: { target: "json" as const, schema } },
  );
}

/** The query string checked against `schema` (400 with the path of every error); `c.req.valid("query")`. */
export function queryOf<S extends z.ZodMiniType>(schema: S): Validated<"query", S> {
  return Object.assign(
    async function validQuery(c: Context<AppEnv>, next: () => Promise<void>) {
      c.req.addValidatedData("query", parseWith(schema, c.req.query(), "query") as object);
      await next();
    },
    { [ROUTE_DOC]: { target: "query" as const, schema } },
  );
}

/**
 * The app to serve: `declared` without its `describe(…)` (or `undescribed`) layers. A
 * description is only read by the OpenAPI build (from `declared.routes`); in
 * the served app it would be one more matched handler and one more async step
 * of every request. Every other handler, in the same order and with the same
 * methods and paths, is kept; the caller sets notFound and onError.
 */
export function withoutDescriptions(declared: Hono<AppEnv>): Hono<AppEnv> {
  const served = new Hono<AppEnv>();
  for (const route of declared.routes) {
    const doc = (route.handler as { [ROUTE_DOC]?: RouteDoc })[ROUTE_DOC];
    if (route.handler === undescribed || (doc && "spec" in doc)) continue;
    served.on(route.method, route.path, route.handler);
  }
  return served;
}
