// Whether this build carries the route descriptions. A module of its own, with
// no imports, so that esbuild can inline the constant into every route file
// (it inlines a constant only from a module whose evaluation order is trivial).
declare const __CARRYOVER_ROUTE_DOCS__: boolean | undefined;

/**
 * True only in the OpenAPI build (src/dev/build-openapi.mjs defines
 * `__CARRYOVER_ROUTE_DOCS__`); wrangler.toml's `[define]` makes it false, so
 * esbuild folds every `ROUTE_DOCS ? describe(…) : undescribed` to
 * `undescribed` and the Worker bundle carries none of the descriptions'
 * literals. Left undefined (a bundler without the define, the test pool) it
 * reads as false.
 */
export const ROUTE_DOCS: boolean = typeof __CARRYOVER_ROUTE_DOCS__ !== "undefined" && __CARRYOVER_ROUTE_DOCS__;
