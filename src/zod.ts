// zod as every schema here uses it: zod/mini (functions and `.check(…)`
// instead of classic zod's methods, so the Worker's bundle carries only the
// parts it calls), with the English messages that classic zod loads by
// itself and zod/mini does not — a 400's `errors[].message` (src/http/validate.ts)
// and a socket's error frame read as they always have. Import zod from here,
// never from "zod/mini" directly: this module must run first.
//
// It is listed in package.json "sideEffects": a module that only re-exports
// is otherwise dropped by esbuild (wrangler's bundler), the `config` call with it.
// Checked by test/node/validation-messages.test.ts against the built Worker.
// src/http/openapi.ts (build time only) keeps classic zod for z.toJSONSchema,
// which reads zod/mini's schemas as well: both are zod 4 core schemas.
import { en } from "zod/locales";
import * as z from "zod/mini";

z.config(en());

export * from "zod/mini";
