// Stands in for zod's memoizer (zod/v4/core/memoizer.js) in the Worker bundle
// only (wrangler.toml [alias]). The memoizer gives recursive schemas (z.lazy,
// getters) cycle support: parsing a value that refers back to itself. The
// Worker has no recursive schema and parses JSON, which cannot hold a cycle,
// so zod's containers run without one (every use in zod is `memo?.` /
// `memo ? … : …`, as under zod/mini, which installs none). ~3 KB minified.
// The names are the ones zod's core/index.js and core/compile.js import.
export class $ZodCyclicError extends Error {}
/** No memoizer: zod's default install (classic/schemas.js) then installs none. */
export const memoizer = () => undefined;
export const isBackEdge = () => false;
/** z.compile treats a recursive schema as one it cannot compile; the Worker never compiles. */
export const isRecursiveSchema = () => true;
