// Integers in a query string or path (`after`, `before`, `limit`, a
// delivery's `seq`, …): decimal digits only. zod's coerce reads a value with
// Number(), which takes "0x2" as 2, "1e2" as 100 and "" or " " as 0 — a typo
// then reads the wrong page instead of getting the 400 that names the
// parameter (API.md "Errors").
import * as z from "../zod";

const DIGITS = /^\d{1,16}$/;

/**
 * A query or path parameter holding an integer from `min` to `max`
 * (inclusive; unbounded when absent), written in decimal digits: anything
 * else is the field error "must be a whole number in decimal digits", a
 * number out of bounds zod's own (then 400 invalid_request). `z.optional(…)`
 * and `z._default(…, n)` as usual. The OpenAPI document shows an integer with
 * these bounds (src/http/openapi.ts adds the default). The bounds are given,
 * not read back from a schema: zod/mini's schemas have no getters for them.
 */
export function decimalInt(min?: number, max?: number) {
  const bounds: z.core.$ZodCheck<number>[] = [z.int()];
  const doc: Record<string, unknown> = { type: "integer", pattern: undefined };
  if (min !== undefined) {
    bounds.push(z.gte(min));
    doc.minimum = min;
  }
  if (max !== undefined) {
    doc.maximum = max;
    // int() already stops at Number.MAX_SAFE_INTEGER: a second check would name the same error twice.
    if (max < Number.MAX_SAFE_INTEGER) bounds.push(z.lte(max));
  }
  const digits = z.pipe(z.string().check(z.regex(DIGITS, "must be a whole number in decimal digits")), z.transform(Number));
  return z.pipe(digits, z.number().check(...bounds)).register(z.globalRegistry, doc);
}
