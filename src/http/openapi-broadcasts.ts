// OpenAPI paths of people, topics, subscriptions and broadcasts, merged into
// /openapi.json by src/http/openapi.ts.
import type * as z from "zod";
import { CreateBroadcastBody, EstimateBody } from "./broadcasts";
import { PatchPersonBody } from "./people";
import { PutTopicBody } from "./subscriptions";

type Op = (
  summary: string,
  security: ("session" | "apiKey" | "admin")[],
  responses: Record<string, string>,
  body?: unknown,
  parameters?: unknown[],
) => Record<string, unknown>;

const path = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
const query = (name: string, type = "string") => ({ name, in: "query", schema: { type } });

/** The paths, built with openapi.ts's own `op` and `schemaOf`. */
export function broadcastPaths(op: Op, schemaOf: (schema: z.ZodType) => Record<string, unknown>): Record<string, Record<string, unknown>> {
  return {
    "/v1/people": {
      get: op("People (keyset paging by id)", ["apiKey"], { "200": "{ people, cursor }" }, undefined, [query("label"), query("q"), query("cursor"), query("limit", "integer")]),
    },
    "/v1/people/{userId}": {
      get: op("One person", ["apiKey"], { "200": "{ person }" }, undefined, [path("userId")]),
      patch: op("Add/remove labels, set the IANA timezone", ["apiKey"], { "200": "{ person }" }, schemaOf(PatchPersonBody), [path("userId")]),
    },
    "/v1/topics": { get: op("The tenant's broadcast topics", ["apiKey"], { "200": "{ topics }" }) },
    "/v1/topics/{topic}": {
      put: op("Create or change a topic (admin key)", ["apiKey"], { "200": "Changed", "201": "Created" }, schemaOf(PutTopicBody), [path("topic")]),
    },
    "/v1/me/subscriptions": { get: op("This person's subscriptions and every topic", ["session"], { "200": "{ subscriptions, topics }" }) },
    "/v1/me/subscriptions/{topic}": {
      put: op("Opt in", ["session"], { "200": "{ subscriptions, topics }" }, undefined, [path("topic")]),
      delete: op("Opt out", ["session"], { "200": "{ subscriptions, topics }" }, undefined, [path("topic")]),
    },
    "/v1/broadcasts": {
      post: op("Create a broadcast (bot or admin key)", ["apiKey"], { "202": "{ broadcast }" }, schemaOf(CreateBroadcastBody)),
      get: op("Broadcasts, newest first", ["apiKey"], { "200": "{ broadcasts, cursor }" }, undefined, [query("status"), query("cursor"), query("limit", "integer")]),
    },
    "/v1/broadcasts/estimate": { post: op("How many people a broadcast would reach now", ["apiKey"], { "200": "{ total }" }, schemaOf(EstimateBody)) },
    "/v1/broadcasts/{id}": { get: op("A broadcast with live counters", ["apiKey"], { "200": "{ broadcast }" }, undefined, [path("id")]) },
    "/v1/broadcasts/{id}/cancel": { post: op("Cancel; reports how many deliveries were in flight", ["apiKey"], { "200": "{ broadcast, inFlight }" }, undefined, [path("id")]) },
  };
}
