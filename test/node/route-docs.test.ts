// The route descriptions (`describe(…)`, src/http/route.ts) reach /openapi.json
// and nothing else: the OpenAPI build defines ROUTE_DOCS true and writes every
// summary into the document; the Worker bundle (built by wrangler from
// wrangler.toml, whose [define] makes it false) carries none of them.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../support/server.ts";

const ROOT = resolve(import.meta.dirname, "../..");

interface Doc {
  paths: Record<string, Record<string, { summary?: string; responses?: Record<string, { description?: string }> }>>;
}

let operations: { route: string; summary: string | undefined; responses: string[] }[] = [];
let worker = "";
beforeAll(() => {
  ensureBuilt();
  const doc = JSON.parse(readFileSync(resolve(ROOT, "dist/public/openapi.json"), "utf8")) as Doc;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      route: `${method.toUpperCase()} ${path}`,
      summary: op.summary,
      responses: Object.values(op.responses ?? {}).flatMap((r) => (r.description ? [r.description] : [])),
    })),
  );
  worker = readFileSync(resolve(ROOT, "dist/worker/index.js"), "utf8");
}, 180_000);

describe("route descriptions", () => {
  it("are in the published document: every operation has its summary and described answers", () => {
    expect(operations.length).toBeGreaterThan(60);
    expect(operations.filter((op) => !op.summary).map((op) => op.route)).toEqual([]);
    expect(operations.filter((op) => op.responses.length < 2).map((op) => op.route)).toEqual([]);
  });

  it("are not in the Worker bundle", () => {
    // The leading words of each summary: a summary's literal in the bundle would start with them.
    const inBundle = operations.filter((op) => worker.includes((op.summary ?? "").slice(0, 24))).map((op) => `${op.route}: ${op.summary}`);
    expect(inBundle).toEqual([]);
  });
});
