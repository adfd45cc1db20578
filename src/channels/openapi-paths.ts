// The Messenger channel routes in /openapi.json (API.md "Messenger channels"
// and docs/API.md "Messenger channels extensions"), from the schemas that validate them.
import type * as z from "zod";
import { MessengerSettings, WhatsAppSettings } from "./settings";

/** The document's own helpers (src/http/openapi.ts), passed in so the modules do not import each other. */
export interface OpenApiHelpers {
  op: (
    summary: string,
    security: ("session" | "apiKey" | "admin")[],
    responses: Record<string, string | { description: string; content?: unknown }>,
    body?: unknown,
    parameters?: unknown[],
  ) => Record<string, unknown>;
  schemaOf: (schema: z.ZodType) => Record<string, unknown>;
  idParam: Record<string, unknown>;
}

const kindParam = { name: "kind", in: "path", required: true, schema: { enum: ["messenger", "whatsapp"] } };
const tenantParam = { name: "tenant", in: "path", required: true, schema: { type: "string" } };

/** Path items keyed by path, spread into the document's `paths`. */
export function channelPaths({ op, schemaOf, idParam }: OpenApiHelpers): Record<string, Record<string, unknown>> {
  const webhook = {
    get: op("The platform's verification handshake: hub.challenge when hub.mode=subscribe and hub.verify_token match", [], { "200": "The challenge, as text", "403": "No match" }, undefined, [tenantParam]),
    post: op("A platform webhook, verified by X-Hub-Signature-256 over the raw body, stored, then processed", [], { "200": "EVENT_RECEIVED", "401": "Missing or wrong signature" }, undefined, [tenantParam]),
  };
  return {
    "/v1/channels": { get: op("The tenant's channels, without secrets (admin key)", ["apiKey"], { "200": "The channels" }) },
    "/v1/channels/messenger": { put: op("Set the Messenger page (admin key); secrets are never read back", ["apiKey"], { "200": "The channel" }, schemaOf(MessengerSettings)) },
    "/v1/channels/whatsapp": { put: op("Set the WhatsApp Cloud API number (admin key); secrets are never read back", ["apiKey"], { "200": "The channel" }, schemaOf(WhatsAppSettings)) },
    "/v1/channels/{kind}": { delete: op("Remove a channel (admin key)", ["apiKey"], { "204": "Removed" }, undefined, [kindParam]) },
    "/v1/channels/{kind}/contacts/{platformId}": {
      get: op("The person and thread of a channel identity (PSID or wa_id)", ["apiKey"], { "200": "The contact" }, undefined, [kindParam, { name: "platformId", in: "path", required: true, schema: { type: "string" } }]),
    },
    "/v1/channels/{tenant}/messenger/webhook": webhook,
    "/v1/channels/{tenant}/whatsapp/webhook": webhook,
    "/v1/conversations/{id}/channel-link": {
      post: op("An m.me link with a one-time signed ref that continues this thread in Messenger", ["session"], { "201": "{ url, ref, expiresAt }" }, { type: "object", required: ["channel"], properties: { channel: { const: "messenger" } } }, [idParam]),
    },
    "/v1/conversations/{id}/channel-deliveries": { get: op("Sends of this thread's business messages to its messenger channel", ["apiKey"], { "200": "The deliveries" }, undefined, [idParam]) },
    "/v1/conversations/{id}/channel-deliveries/{seq}/retry": {
      post: op("Make a pending or failed channel delivery due now", ["apiKey"], { "202": "Scheduled" }, undefined, [idParam, { name: "seq", in: "path", required: true, schema: { type: "integer", minimum: 1 } }]),
    },
    "/v1/conversations/{id}/handoff": { post: op("A one-time link that opens this thread on another device or on the website (business callers too)", ["session", "apiKey"], { "201": "The handoff token and URL" }, undefined, [idParam]) },
  };
}
