// Attachment routes (API.md "Attachments"): upload into a conversation,
// the signed redirect to the content, and the content itself. Thin: the
// bytes go through src/attachments/upload.ts, records live in the
// conversation's DO, the content URL is checked by src/attachments/signing.ts.
import { conversationStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { conversationOfAttachment, newAttachmentId, objectKey } from "../attachments/ids";
import { contentHeaders, parseRange } from "../attachments/serve";
import { signContentUrl, verifyContentUrl } from "../attachments/signing";
import { storeUpload } from "../attachments/upload";
import { findTenant, TenantId } from "../directory/tenants";
import { settingsOf } from "../env";
import { isConversationId } from "../ids";
import {
  ATTACHMENT_TYPES,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  isAttachmentContentType,
  type Attachment,
} from "../protocol/attachment";
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { unwrap } from "../protocol/result";
import { enforceLimits, limitsOf } from "../ratelimit/limits";
import { authenticate, businessOf } from "./auth";
import type { AppEnv } from "./types";
import { describe, pathParams, queryOf, ROUTE_DOCS, undescribed } from "./route";
import { decimalInt } from "./decimal-int";

/** The name as given, without any directory part or control characters. */
const Filename = z.pipe(
  z.pipe(
    z.string(),
    z.transform((name) => (name.split(/[\\/]/).pop() ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim()),
  ),
  z.string().check(z.minLength(1, "must name the file"), z.maxLength(255)),
);

const UploadQuery = z.strictObject({
  conversationId: z.string().check(z.refine(isConversationId, "must be a conversation id (cnv_…)")),
  filename: Filename,
});

const ContentQuery = z.object({
  tenant: TenantId,
  exp: decimalInt(),
  sig: z.string().check(z.maxLength(128)),
});

/** Who may touch attachments: customer sessions (their own thread, checked by the DO) and any business key. */
function callerOf(c: Context<AppEnv>): Access {
  const access = c.get("access");
  if (access.kind === "business") businessOf(c);
  return access;
}

/** The DO of the attachment's conversation; 404 for anything that is not an attachment id. */
function conversationOfId(c: Context<AppEnv>, tenant: string, id: string) {
  const conversationId = conversationOfAttachment(id);
  if (!conversationId) throw new ServiceError("not_found", "attachment not found");
  return { conversationId, stub: conversationStub(c.env, tenant, conversationId) };
}

export const attachments = new Hono<AppEnv>();

const attachmentId = { type: "string" as const, pattern: "^att_[0-9A-Za-z]{44}$" };
const onAttachment = pathParams({ id: attachmentId });

const upload = ROUTE_DOCS ? describe(
  "Upload a file into a conversation (raw body, Content-Type = the file's type; sniffed; 25 MiB unless the tenant sets another limit)",
  ["session", "apiKey"],
  { "201": "The attachment", "413": "Over the size limit", "415": "A type outside the allow-list, or bytes that are not the declared type" },
  { requestBody: { required: true, content: Object.fromEntries(Object.keys(ATTACHMENT_TYPES).map((t) => [t, { schema: { type: "string", format: "binary" } }])) } },
) : undescribed;

attachments.post("/", upload, authenticate(), queryOf(UploadQuery), async (c) => {
  const access = callerOf(c);
  const query = c.req.valid("query");
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!isAttachmentContentType(contentType)) {
    throw new ServiceError("unsupported_media_type", `allowed types: ${Object.keys(ATTACHMENT_TYPES).join(", ")}`);
  }
  const tenant = await findTenant(c.env.DB, access.tenant);
  const maxBytes = tenant?.attachments?.maxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  const lengthHeader = c.req.header("content-length");
  const declaredLength = lengthHeader === undefined ? null : Number(lengthHeader);
  if (declaredLength !== null && !(Number.isSafeInteger(declaredLength) && declaredLength >= 0)) {
    throw new ServiceError("invalid_request", "Content-Length is not a byte count");
  }
  if (declaredLength !== null && declaredLength > maxBytes) {
    throw new ServiceError("payload_too_large", `attachments are limited to ${maxBytes} bytes`);
  }
  const body = c.req.raw.body;
  if (!body || declaredLength === 0) throw new ServiceError("invalid_request", "the file is empty", { errors: [{ path: "(body)", message: "empty" }] });
  if (access.kind === "customer") {
    const limits = limitsOf(c.env, tenant?.rateLimits);
    await enforceLimits(c.env, [{ key: `uploads:device:${access.tenant}:${access.deviceId}`, limit: limits.uploadsPerDevice }]);
  }

  const id = newAttachmentId(query.conversationId);
  const stub = conversationStub(c.env, access.tenant, query.conversationId);
  unwrap(await stub.reserveAttachment(access, id));
  const key = objectKey(access.tenant, query.conversationId, id);
  let stored;
  try {
    stored = await storeUpload(c.env.ATTACHMENTS, key, body, {
      contentType,
      declaredLength,
      maxBytes,
      httpMetadata: { contentType },
      customMetadata: { filename: query.filename, conversationId: query.conversationId },
    });
  } catch (err) {
    await stub.discardAttachment(id);
    throw err;
  }
  const attachment: Attachment = {
    id,
    conversationId: query.conversationId,
    mediaType: ATTACHMENT_TYPES[contentType],
    contentType,
    size: stored.size,
    sha256: stored.sha256,
    filename: query.filename,
    ...(stored.width !== undefined && stored.height !== undefined ? { width: stored.width, height: stored.height } : {}),
  };
  const completed = await stub.completeAttachment(access, attachment);
  if (!completed.ok) await c.env.ATTACHMENTS.delete(key);
  return c.json({ attachment: unwrap(completed) }, 201);
});

/** The content, for whoever holds a valid signed URL (no credentials: <img>, <video>, downloads). */
/** Checked by hand below: a bad or missing signature is a 403, not a 400. */
const content = ROUTE_DOCS ? describe("The bytes, for a valid signed URL (no credentials); Range supported", [], {
  "200": "The file",
  "206": "A byte range",
  "403": "Tampered or expired link",
  "416": "Range not satisfiable",
}, {
  parameters: [
    ...onAttachment.parameters,
    { name: "tenant", in: "query", required: true, schema: { type: "string" } },
    { name: "exp", in: "query", required: true, schema: { type: "integer" } },
    { name: "sig", in: "query", required: true, schema: { type: "string" } },
  ],
}) : undescribed;

attachments.get("/:id/content", content, async (c) => {
  const id = c.req.param("id");
  const query = ContentQuery.safeParse(c.req.query());
  const valid =
    query.success &&
    (await verifyContentUrl(settingsOf(c.env).sessionKey, { tenant: query.data.tenant, id, exp: query.data.exp, sig: query.data.sig }));
  if (!valid || !query.success) throw new ServiceError("forbidden", "the link is invalid or has expired; ask for the attachment again");
  const conversationId = conversationOfAttachment(id);
  if (!conversationId) throw new ServiceError("not_found", "attachment not found");
  const key = objectKey(query.data.tenant, conversationId, id);
  const bucket = c.env.ATTACHMENTS;
  const rangeHeader = c.req.header("range") ?? null;
  const head = rangeHeader ? await bucket.head(key) : null;
  const range = head ? parseRange(rangeHeader, head.size) : null;
  if (head && range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${head.size}`, "cache-control": "private" } });
  }
  const object = await bucket.get(key, range && range !== "unsatisfiable" ? { range } : {});
  if (!object) throw new ServiceError("not_found", "attachment not found");
  const contentType = object.httpMetadata?.contentType ?? "application/octet-stream";
  const headers = contentHeaders(contentType, object.customMetadata?.filename ?? id);
  headers.set("etag", object.httpEtag);
  if (range && range !== "unsatisfiable") {
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${object.size}`);
    headers.set("content-length", String(range.length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("content-length", String(object.size));
  return new Response(object.body, { status: 200, headers });
});

/** Carryover extension: the signed URL as JSON, for clients that put it into <img src> themselves. */
attachments.get("/:id/url", ROUTE_DOCS ? describe("The signed content URL as JSON (Carryover extension)", ["session", "apiKey"], { "200": "{ url, expiresAt, attachment }" }, onAttachment) : undescribed, authenticate(), async (c) => {
  const access = callerOf(c);
  const id = c.req.param("id");
  const attachment = unwrap(await conversationOfId(c, access.tenant, id).stub.attachment(access, id));
  const signed = await signContentUrl(settingsOf(c.env).sessionKey, access.tenant, id);
  const origin = (c.env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
  c.header("cache-control", "no-store");
  return c.json({ url: `${origin}${signed.path}`, expiresAt: new Date(signed.exp * 1000).toISOString(), attachment });
});

attachments.get("/:id", ROUTE_DOCS ? describe("Redirect (302) to a signed content URL valid for 15 minutes", ["session", "apiKey"], { "302": "To /v1/attachments/{id}/content?tenant=&exp=&sig=" }, onAttachment) : undescribed, authenticate(), async (c) => {
  const access = callerOf(c);
  const id = c.req.param("id");
  unwrap(await conversationOfId(c, access.tenant, id).stub.attachment(access, id));
  const signed = await signContentUrl(settingsOf(c.env).sessionKey, access.tenant, id);
  c.header("cache-control", "no-store");
  return c.redirect(signed.path, 302);
});
