// The deployable Worker (src/index.ts, wrangler.toml `main`) carries none of
// the local-development tools; the dev entry (src/dev/worker.ts) that the
// tests, `npm run dev` and the testing kit run adds them in front of the same
// app. Both are called here with DEV_SEED=true, so only the entry decides.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import production from "../../src/index";
import { api, json } from "./helpers";

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

function callProduction(path: string, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(production.fetch(new Request(`https://carryover.test${path}`, init), env, ctx));
}

describe("the production entry", () => {
  it("has no demo token route, no Messenger simulator, and answers them like any unknown path", async () => {
    const token = await callProduction("/demo/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sub: "x" }) });
    expect(token.status).toBe(404);
    expect(token.headers.get("content-type")).toContain("application/problem+json");
    expect((await json(token)).code).toBe("not_found");
    const sent = await callProduction("/demo/messenger/sent?recipient=990001");
    expect(sent.status).toBe(404);
  });

  it("serves the API itself", async () => {
    const res = await callProduction("/v1");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ name: "carryover", version: "v1" });
  });

  it("the dev entry, by contrast, mounts the demo routes", async () => {
    const token = await api("/demo/token", { method: "POST", json: { sub: "entry-check" } });
    expect(token.status).toBe(200);
    expect(typeof (await json<{ token: string }>(token)).token).toBe("string");
    const sent = await api("/demo/messenger/sent?recipient=990001");
    expect(sent.status).toBe(200);
  });
});
