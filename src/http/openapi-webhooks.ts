// The webhook routes of /openapi.json (API.md "Webhooks"), kept beside
// their own module so the main document only spreads them in.
import type * as z from "zod";
import { CreateEndpointBody, PatchEndpointBody, Recover } from "./webhooks";

type Op = (
  summary: string,
  security: ("session" | "apiKey" | "admin")[],
  responses: Record<string, string>,
  body?: unknown,
  parameters?: unknown[],
) => Record<string, unknown>;

const endpointId = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^whe_" } };
const deliveryId = { name: "deliveryId", in: "path", required: true, schema: { type: "string", pattern: "^msg_" } };
const query = (name: string, schema: Record<string, unknown>) => ({ name, in: "query", schema });

export function webhookPaths(op: Op, schemaOf: (schema: z.ZodType) => Record<string, unknown>): Record<string, Record<string, unknown>> {
  return {
    "/v1/webhook-endpoints": {
      post: op("Create a webhook endpoint (admin key); its whsec_ secret is shown once", ["apiKey"], { "201": "The endpoint and its secret" }, schemaOf(CreateEndpointBody)),
      get: op("The tenant's webhook endpoints", ["apiKey"], { "200": "The endpoints" }),
    },
    "/v1/webhook-endpoints/{id}": {
      get: op("A webhook endpoint (never its secret)", ["apiKey"], { "200": "The endpoint" }, undefined, [endpointId]),
      patch: op("Change an endpoint; disabled: false enables it again", ["apiKey"], { "200": "The endpoint" }, schemaOf(PatchEndpointBody), [endpointId]),
      delete: op("Delete an endpoint", ["apiKey"], { "204": "Deleted" }, undefined, [endpointId]),
    },
    "/v1/webhook-endpoints/{id}/rotate-secret": {
      post: op("A new secret; the old one keeps signing alongside for 24 h", ["apiKey"], { "200": "The new secret" }, undefined, [endpointId]),
    },
    "/v1/webhook-endpoints/{id}/test": {
      post: op("Send a ping delivery to this endpoint", ["apiKey"], { "202": "Queued" }, undefined, [endpointId]),
    },
    "/v1/webhook-endpoints/{id}/deliveries": {
      get: op("Deliveries, newest first, with attempts and the last answer", ["apiKey"], { "200": "A page of deliveries" }, undefined, [
        endpointId,
        query("status", { enum: ["pending", "failed", "succeeded"] }),
        query("conversationId", { type: "string" }),
        query("cursor", { type: "string" }),
        query("limit", { type: "integer", minimum: 1, maximum: 100 }),
      ]),
    },
    "/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry": {
      post: op("Send one delivery again now", ["apiKey"], { "202": "Queued" }, undefined, [endpointId, deliveryId]),
    },
    "/v1/webhook-endpoints/{id}/recover": {
      post: op("Send again every failed delivery created since a time", ["apiKey"], { "202": "How many were queued" }, schemaOf(Recover), [endpointId]),
    },
  };
}
