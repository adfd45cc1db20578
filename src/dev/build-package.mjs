#!/usr/bin/env node
// Builds the installable package (after `npm run build`, which made the widget,
// the demo pages and the Worker bundle the testing kit boots):
//   dist/client/index.js   carryover/client — the SDK, one ES module, no imports at all
//   dist/widget/index.js   carryover/widget — the widget as an ES module for bundlers
//   dist/testing/index.js  carryover/testing — the Miniflare kit (imports only node:* and miniflare)
//   dist/types/**.d.ts     declarations for the three, from tsc
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
for (const dir of ["client", "widget", "testing", "types"]) rmSync(resolve(ROOT, "dist", dir), { recursive: true, force: true });

const common = { absWorkingDir: ROOT, bundle: true, format: "esm", legalComments: "inline", charset: "utf8", logLevel: "warning" };
await Promise.all([
  // Browsers, React Native (Hermes) and Node >= 20: no platform imports, ES2020 syntax.
  build({ ...common, entryPoints: ["src/client/index.ts"], outfile: "dist/client/index.js", platform: "neutral", target: ["es2020"] }),
  build({ ...common, entryPoints: ["src/widget/index.ts"], outfile: "dist/widget/index.js", platform: "browser", target: ["es2020"] }),
  // jose and standardwebhooks are bundled in, so the only dependency left is the miniflare peer.
  build({
    ...common,
    entryPoints: ["src/testing/index.ts"],
    outfile: "dist/testing/index.js",
    platform: "node",
    target: ["node22"],
    external: ["miniflare"],
  }),
]);

execFileSync(resolve(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.package.json"], { cwd: ROOT, stdio: "inherit" });

// Node's ESM resolution (moduleResolution node16/nodenext in a user's
// tsconfig) needs file extensions on relative imports in .d.ts files too.
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
for (const file of walk(resolve(ROOT, "dist/types")).filter((f) => f.endsWith(".d.ts"))) {
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(/((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*)\2/g, (whole, lead, quote, spec) => {
    if (spec.endsWith(".js")) return whole;
    const base = resolve(dirname(file), spec);
    if (existsSync(`${base}.d.ts`)) return `${lead}${quote}${spec}.js${quote}`;
    if (existsSync(join(base, "index.d.ts"))) return `${lead}${quote}${spec}/index.js${quote}`;
    throw new Error(`${file}: cannot resolve ${spec}`);
  });
  if (fixed !== text) writeFileSync(file, fixed);
}
console.log("dist/client, dist/widget, dist/testing and dist/types built");
