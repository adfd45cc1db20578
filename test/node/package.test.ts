// The installable package: `npm pack` ships built JavaScript, declarations and
// the kit's Worker bundle — no TypeScript source, tests or tooling — every
// `exports` target is in the tarball, and the SDK runs anywhere: it bundles
// for a browser from its own code alone, with no Node, Worker or library imports.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../support/server.ts";

const ROOT = resolve(import.meta.dirname, "../..");

interface PackResult {
  files: { path: string }[];
}
interface ExportTarget {
  types?: string;
  import?: string;
}

let files: string[] = [];
beforeAll(() => {
  // What prepack builds, without prepack's `npm run build`: that one replaces
  // dist/public, which the workerd tests running alongside are serving.
  ensureBuilt();
  execFileSync(process.execPath, ["src/dev/build-package.mjs"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [result] = JSON.parse(out.slice(out.indexOf("["))) as PackResult[];
  files = (result?.files ?? []).map((f) => f.path).sort();
}, 180_000);

describe("npm pack", () => {
  it("ships only what users need", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "LICENSE",
        "dist/client/index.js",
        "dist/widget/index.js",
        "dist/testing/index.js",
        "dist/types/client/index.d.ts",
        "dist/types/widget/index.d.ts",
        "dist/types/testing/index.d.ts",
        "dist/worker/index.js",
        "dist/worker/config.json",
        "dist/public/widget.js",
        "dist/public/widget-extras.js",
        "dist/public/index.html",
      ]),
    );
    const allowed = /^(package\.json|README\.md|LICENSE|dist\/(client|widget|testing)\/index\.js|dist\/types\/.+\.d\.ts|dist\/worker\/(index\.js|config\.json)|dist\/public\/.+)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".map") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
  });

  it("has an exports map with types and import conditions whose targets are all packed", () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { exports: Record<string, ExportTarget | string> };
    for (const entry of ["./client", "./widget", "./testing"]) {
      const target = pkg.exports[entry];
      expect(typeof target, entry).toBe("object");
      const { types, import: esm } = target as ExportTarget;
      expect(Object.keys(target as object)[0], `${entry}: "types" comes first`).toBe("types");
      expect(types).toMatch(/\.d\.ts$/);
      expect(esm).toMatch(/\.js$/);
      expect(files).toContain(types?.replace(/^\.\//, ""));
      expect(files).toContain(esm?.replace(/^\.\//, ""));
    }
    for (const target of Object.values(pkg.exports)) {
      for (const path of typeof target === "string" ? [target] : Object.values(target)) {
        // No TypeScript source on the import path: built files under dist/ only.
        expect(path).toMatch(/^\.\/(dist\/|package\.json$)/);
        expect(path).not.toMatch(/(?<!\.d)\.ts$/);
      }
    }
  });
});

describe("the SDK", () => {
  it("is built from the SDK and protocol sources alone, with no platform or library import", async () => {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ["src/client/index.ts"],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => !/^src\/(client|protocol)\//.test(f))).toEqual([]);
    const output = Object.values(result.metafile.outputs)[0];
    expect(output?.imports).toEqual([]);
  });

  it("ships as one module without imports", () => {
    const code = readFileSync(resolve(ROOT, "dist/client/index.js"), "utf8");
    expect(code).not.toMatch(/^\s*import[\s{*]/m);
    expect(code).not.toMatch(/\brequire\(|\bimport\(|["']node:/);
  });

  it("has types that compile without the DOM lib (a Node project) and take the DOM's XMLHttpRequest", () => {
    const project = mkdtempSync(join(tmpdir(), "carryover-types-"));
    try {
      // A project that installed the package: carryover/client resolves through "exports" to dist/types.
      mkdirSync(join(project, "node_modules/@types"), { recursive: true });
      symlinkSync(ROOT, join(project, "node_modules/carryover"), "dir");
      symlinkSync(resolve(ROOT, "node_modules/@types/node"), join(project, "node_modules/@types/node"), "dir");
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
      const compile = (lib: string[], code: string): string => {
        writeFileSync(join(project, "app.ts"), code);
        const compilerOptions = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib, types: ["node"], strict: true, skipLibCheck: false, noEmit: true };
        writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["app.ts"] }));
        try {
          execFileSync(resolve(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
          return "";
        } catch (err) {
          return String((err as { stdout?: string }).stdout ?? err);
        }
      };
      const client = `import { createClient, type ClientOptions } from "carryover/client";\n`;
      expect(compile(["ES2022"], `${client}const options: ClientOptions = { baseUrl: "http://127.0.0.1:8787", tenant: "demo" };\ncreateClient(options).close();\n`)).toBe("");
      expect(compile(["ES2022", "DOM"], `${client}createClient({ baseUrl: "/", tenant: "demo", XMLHttpRequest }).close();\n`)).toBe("");
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 60_000);

  it("the testing kit imports only Node built-ins and miniflare", async () => {
    const code = readFileSync(resolve(ROOT, "dist/testing/index.js"), "utf8");
    const imported = [...code.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((s) => s !== "miniflare" && !s?.startsWith("node:"))).toEqual([]);
  });
});
