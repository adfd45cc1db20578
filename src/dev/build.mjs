#!/usr/bin/env node
// Builds the static assets the Worker serves (wrangler.toml [assets]):
// src/widget → dist/public/widget.js (one minified IIFE) and
// dist/public/widget-extras.js (its rarely used parts, loaded on demand), the demo page
// src/demo → dist/public/ (demo.js bundled, the rest copied), /openapi.json and the API reference at /docs
// (src/dev/build-openapi.mjs). Fails when the widget grows past its size budget.
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { writeApiReference, writeOpenApi } from "./build-openapi.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const OUT = resolve(ROOT, "dist/public");
const BUDGET_BYTES = 25 * 1024; // gzipped

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// Both scripts are classic browser scripts, minified the same way.
const script = {
  absWorkingDir: ROOT,
  bundle: true,
  minify: true,
  format: "iife",
  // ES2022 syntax (native class fields and ??=): the SDK and widget code already
  // need an ES2022 runtime (Array.prototype.at, Object.hasOwn), and every browser
  // that has those parses it; lowering it to ES2020 only added bytes.
  target: ["es2022"],
  platform: "browser",
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
};
await build({
  ...script,
  entryPoints: ["src/widget/index.ts"],
  outfile: "dist/public/widget.js",
  // The extras (src/widget/extras.ts) are left out of widget.js and loaded on demand (src/widget/extras-loader.ts).
  define: { __CARRYOVER_LAZY_EXTRAS__: "true" },
});
await build({ ...script, entryPoints: ["src/widget/extras-global.ts"], outfile: "dist/public/widget-extras.js" });

// The demo page is plain HTML, CSS and JS, copied as it is — except demo.js, which
// takes the live wire's constants from src/protocol/wire.ts and so is bundled (not minified).
cpSync(resolve(ROOT, "src/demo"), OUT, { recursive: true, filter: (src) => basename(src) !== "demo.js" });
await build({ ...script, minify: false, entryPoints: ["src/demo/demo.js"], outfile: "dist/public/demo.js" });

// The API's document from the route declarations, and the reference that reads it.
const paths = await writeOpenApi(ROOT, OUT);
writeApiReference(ROOT, OUT);

const widget = readFileSync(resolve(OUT, "widget.js"));
const gzipped = gzipSync(widget, { level: 9 }).byteLength;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`widget.js: ${kb(widget.byteLength)} minified, ${kb(gzipped)} gzipped (budget ${kb(BUDGET_BYTES)}); openapi.json: ${paths} paths`);
if (gzipped > BUDGET_BYTES) {
  console.error(`widget.js is over its budget of ${kb(BUDGET_BYTES)} gzipped`);
  process.exit(1);
}
