// Integers in a query string or path (`after`, `before`, `limit`, a
// delivery's `seq`, …): decimal digits only. zod's coerce reads a value with
// Number(), which takes "0x2" as 2, "1e2" as 100 and "" or " " as 0 — a typo
// then reads the wrong page instead of getting the 400 that names the
// parameter (API.md "Errors").
import * as z from "zod";

const DIGITS = /^\d{1,16}$/;

/** How the OpenAPI document shows a decimalInt: an integer with the bounds of its check (not the string it arrives as). */
function documented(inner: z.ZodNumber): Record<string, unknown> {
  const doc: Record<string, unknown> = { type: "integer", pattern: undefined };
  if (inner.minValue !== null && Number.isFinite(inner.minValue)) doc.minimum = inner.minValue;
  if (inner.maxValue !== null && Number.isFinite(inner.maxValue)) doc.maximum = inner.maxValue;
  return doc;
}

/**
 * A query or path parameter holding an integer checked by `inner` (its
 * bounds, e.g. `z.number().int().min(1).max(100)`), written in decimal
 * digits: anything else is the field error "must be a whole number in
 * decimal digits" (then 400 invalid_request). `.optional()` and
 * `.default(n)` as usual (src/http/openapi.ts shows the default).
 */
export function decimalInt(inner: z.ZodNumber) {
  return z
    .string()
    .regex(DIGITS, "must be a whole number in decimal digits")
    .transform(Number)
    .pipe(inner)
    .meta(documented(inner));
}
