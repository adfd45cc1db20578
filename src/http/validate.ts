// Request bodies and queries checked at the edge: JSON only (415), at most
// 64 KiB (413), every string Unicode text, then the zod schema (400 with
// the path of every error).
// Routes use these through their declarations (src/http/route.ts).
import type { Context } from "hono";
import type * as z from "../zod";
import { ServiceError, type FieldError } from "../protocol/errors";
import { loneSurrogateAt, NOT_UNICODE_TEXT, wellFormed } from "../protocol/text";

export const MAX_BODY_BYTES = 64 * 1024;

/** The most `errors` a 400 lists: a body of thousands of bad keys is answered in a few kilobytes. */
export const MAX_FIELD_ERRORS = 20;

/**
 * The `errors` of a 400 (API.md "Errors"): one `{ path, message }` per zod
 * issue, the path dotted (`content.text`, `labels.3`), at most
 * MAX_FIELD_ERRORS; an unknown key is named by its own path (zod reports
 * them at their object's, in one message listing them all). An issue of the
 * whole value (no path) is named `whole`: "(body)", "(query)" or "(path)".
 */
export function fieldErrors(error: z.core.$ZodError, whole = "(body)"): FieldError[] {
  const name = (path: PropertyKey[]) => path.map(String).join(".") || whole;
  return error.issues
    .flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.slice(0, MAX_FIELD_ERRORS).map((key) => ({ path: name([...issue.path, key]), message: "unknown key" }))
        : [{ path: name(issue.path), message: issue.message }],
    )
    .slice(0, MAX_FIELD_ERRORS);
}

/**
 * `value` parsed by `schema`, else 400 invalid_request "<what> is invalid"
 * with fieldErrors. `what`: "request body", "query" or "path".
 * @throws ServiceError invalid_request
 */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, what = "request body"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ServiceError("invalid_request", `${what} is invalid`, { errors: fieldErrors(parsed.error, what === "request body" ? "(body)" : `(${what})`) });
  }
  return parsed.data;
}

/**
 * The body's bytes, at most MAX_BODY_BYTES (413 beyond). `header` is the
 * request's Content-Length (null when absent: a chunked body).
 */
async function readBytes(request: Request, header: string | null): Promise<Uint8Array> {
  const declared = Number(header ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ServiceError("payload_too_large", `bodies are limited to ${MAX_BODY_BYTES} bytes`);
  if (header !== null && Number.isSafeInteger(declared)) {
    // A declared length within the limit bounds the body (HTTP framing): read it at once, no chunk loop
    // and no stream object (a measurable part of an append, bench/BENCHMARKS.md). Checked again, in case
    // a caller inside the Worker's process declared less than it sent.
    const all = new Uint8Array(await request.arrayBuffer());
    if (all.byteLength > MAX_BODY_BYTES) throw new ServiceError("payload_too_large", `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    return all;
  }
  const body = request.body;
  if (!body) return new Uint8Array(0);
  // Read incrementally so a chunked body without Content-Length is cut off too.
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new ServiceError("payload_too_large", `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/** Reused: a whole-buffer decode (no `stream`) keeps no state between calls. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

async function readBody(request: Request, length: string | null): Promise<string> {
  const all = await readBytes(request, length);
  // A lenient decoder turns bad bytes into U+FFFD and stores text nobody sent.
  try {
    return strictUtf8.decode(all);
  } catch {
    throw new ServiceError("invalid_request", "the body is not valid UTF-8", {
      errors: [{ path: "(body)", message: "invalid UTF-8" }],
    });
  }
}

/** The request's JSON body, unchecked: 415 unless application/json, 413 over MAX_BODY_BYTES, 400 for bad UTF-8 or JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const request = c.req.raw;
  const headers = request.headers;
  const type = (headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ServiceError("unsupported_media_type", "send the body as application/json");
  }
  const text = await readBody(request, headers.get("content-length"));
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new ServiceError("invalid_request", "the body is not valid JSON", {
      errors: [{ path: "(body)", message: "malformed JSON" }],
    });
  }
  // No string of any route is stored or sent on with half a character (strict JSON parsers refuse its escape: RFC 8259 §8.2);
  // the path names a bad key with U+FFFD in its place, so the error holds none either.
  const at = text.includes("\\u") ? loneSurrogateAt(value, "(body)") : null;
  if (at !== null) throw new ServiceError("invalid_request", "request body is invalid", { errors: [{ path: wellFormed(at), message: NOT_UNICODE_TEXT }] });
  return value;
}
