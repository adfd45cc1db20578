// The one place where failures become responses: RFC 9457 problem+json.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ServiceError } from "../protocol/errors";

export function problemResponse(err: ServiceError, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/problem+json");
  if (err.status === 401) h.set("www-authenticate", `Bearer error="invalid_token", error_description="${err.code}"`);
  if (err.retryAfter !== undefined) h.set("retry-after", String(err.retryAfter));
  return new Response(JSON.stringify(err.toProblem()), { status: err.status, headers: h });
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof ServiceError) return problemResponse(err);
  if (err instanceof HTTPException) {
    const code = err.status === 404 ? "not_found" : err.status === 413 ? "payload_too_large" : "invalid_request";
    return problemResponse(new ServiceError(code, err.message || undefined));
  }
  console.error(`${c.req.method} ${new URL(c.req.url).pathname} failed`, err);
  return problemResponse(new ServiceError("internal", "something went wrong; it has been logged"));
}

export function notFound(): Response {
  return problemResponse(new ServiceError("not_found", "no such route"));
}
