// /openapi.json is complete: every route the Hono app registers (walked from
// `routes`, the router's own table) is a path and method of the document.
// The walk is over the dev Worker's routes: the served app plus the dev-only routes.
import { describe, expect, it } from "vitest";
import { app as declared, served } from "../../src/app";
import { ROUTE_DOC, ROUTE_DOCS, undescribed, type RouteDoc } from "../../src/http/route";
import { devRoutes } from "../../src/dev/worker";
import { api, json } from "./helpers";

interface Doc {
  paths: Record<string, Record<string, unknown>>;
}

/** Routes deliberately left out of the published document, each with its reason. */
const NOT_PUBLISHED: { route: RegExp; reason: string }[] = [
  { route: /^[A-Z]+ \/demo\//, reason: "local development only: exists with DEV_SEED=true, never in a deploy (docs/API.md, Demo routes)" },
  { route: /^GET \/openapi\.json$/, reason: "the document itself" },
];

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** The app's endpoints as "METHOD /path"; `ALL` entries are middleware (app.use), not endpoints. */
function appRoutes(): string[] {
  const routes = [...served.routes, ...devRoutes.routes].filter((r) => METHODS.has(r.method)).map((r) => `${r.method} ${r.path}`);
  return [...new Set(routes)];
}

/**
 * Whether an OpenAPI path stands for a Hono path: each `:param` segment
 * matches a `{param}` segment or a literal one (a document may spell out the
 * values of a parameter, e.g. /v1/channels/{tenant}/messenger/webhook).
 */
function covers(openApiPath: string, honoPath: string): boolean {
  const want = honoPath.split("/");
  const have = openApiPath.split("/");
  if (want.length !== have.length) return false;
  return want.every((segment, i) => {
    const other = have[i] ?? "";
    if (segment.startsWith(":")) return /^\{[^}]+\}$/.test(other) || !other.startsWith("{");
    return segment === other;
  });
}

describe("/openapi.json", () => {
  it("has every route of the app, except the ones left out on purpose", async () => {
    const doc = await json<Doc>(await api("/openapi.json"));
    const routes = appRoutes();
    // The walk sees the whole app: the route groups and the dev-only ones.
    expect(routes).toEqual(expect.arrayContaining(["POST /v1/conversations/:id/messages", "GET /v1/inbox/live", "POST /demo/token", "GET /openapi.json"]));
    expect(routes.length).toBeGreaterThan(60);

    const missing = routes.filter((route) => {
      if (NOT_PUBLISHED.some((n) => n.route.test(route))) return false;
      const [method = "", path = ""] = route.split(" ");
      return !Object.entries(doc.paths).some(([p, item]) => covers(p, path) && method.toLowerCase() in item);
    });
    expect(missing).toEqual([]);
  });

  it("has no path the app does not serve", async () => {
    const doc = await json<Doc>(await api("/openapi.json"));
    const routes = appRoutes();
    const extra = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.has(m.toUpperCase()))
        .filter((m) => !routes.some((route) => route.startsWith(`${m.toUpperCase()} `) && covers(p, route.slice(m.length + 1))))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(extra).toEqual([]);
  });

  it("is served without the description layers, every other handler kept in order", () => {
    const isDescription = (h: unknown) => {
      if (h === undescribed) return true;
      const doc = (h as { [ROUTE_DOC]?: RouteDoc })[ROUTE_DOC];
      return doc !== undefined && "spec" in doc;
    };
    // Outside the OpenAPI build every description is the no-op `undescribed` (its literals are folded out of the Worker).
    expect(ROUTE_DOCS).toBe(false);
    expect(declared.routes.filter((r) => r.handler === undescribed).length).toBeGreaterThan(60);
    // The declared app has the layers (the build reads them); the served one has none.
    expect(served.routes.filter((r) => isDescription(r.handler))).toEqual([]);
    const kept = declared.routes.filter((r) => !isDescription(r.handler)).map((r) => [r.method, r.path, r.handler]);
    expect(served.routes.map((r) => [r.method, r.path, r.handler])).toEqual(kept);
  });
});
