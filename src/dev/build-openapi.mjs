// Writes dist/public/openapi.json: hono-openapi walks the app's routes and
// turns their declarations (src/http/route.ts) into the document
// (src/http/openapi.ts). Runs in Node at build time, so the generator stays
// out of the Worker; the static asset is what GET /openapi.json serves.
// Also writes the interactive reference at /docs (Swagger UI, static files).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The Worker's runtime module, for evaluating the route declarations in Node: its classes are only extended, never run. */
const workersShim = {
  name: "cloudflare-workers-shim",
  setup(b) {
    b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: "cloudflare:workers", namespace: "shim" }));
    b.onLoad({ filter: /.*/, namespace: "shim" }, () => ({
      contents: "export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }",
      loader: "js",
    }));
  },
};

/** Builds the document from the app's routes and writes it to `<out>/openapi.json`; returns the number of paths. */
export async function writeOpenApi(root, out) {
  const cache = resolve(root, "node_modules/.cache/carryover");
  mkdirSync(cache, { recursive: true });
  const entry = resolve(cache, `openapi-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: 'import { app } from "./src/app"; import { openApiDocument } from "./src/http/openapi"; export default await openApiDocument(app);',
      resolveDir: root,
      loader: "ts",
    },
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    plugins: [workersShim],
    // The route descriptions, folded out of the Worker (src/http/route-docs.ts), are what this build reads.
    define: { __CARRYOVER_ROUTE_DOCS__: "true" },
    outfile: entry,
    logLevel: "warning",
  });
  try {
    const { default: doc } = await import(pathToFileURL(entry).href);
    writeFileSync(resolve(out, "openapi.json"), JSON.stringify(doc));
    return Object.keys(doc.paths).length;
  } finally {
    rmSync(entry, { force: true });
  }
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Carryover API reference</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="reference"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>
`;

// A file of its own rather than an inline script, so a strict Content-Security-Policy can allow it.
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#reference", deepLinking: true, validatorUrl: null });\n`;

/**
 * The interactive API reference: \`<out>/docs.html\` (served at /docs) and
 * Swagger UI's own files under \`<out>/docs/\`, read from the swagger-ui-dist
 * package — no CDN, nothing in the Worker. It loads /openapi.json.
 */
export function writeApiReference(root, out) {
  const dist = resolve(root, "node_modules/swagger-ui-dist");
  mkdirSync(resolve(out, "docs"), { recursive: true });
  for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) copyFileSync(resolve(dist, file), resolve(out, "docs", file));
  writeFileSync(resolve(out, "docs", "init.js"), DOCS_INIT);
  writeFileSync(resolve(out, "docs.html"), DOCS_PAGE);
}
