// GET /docs: the interactive API reference, served from the static assets
// (no CDN), reading the /openapi.json built from the route declarations.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, useServerAndBrowser } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("API reference at /docs", () => {
  it("lists the operations of /openapi.json, with everything loaded from this server", async () => {
    const page = await (await newDevice(browser)).newPage();
    const elsewhere: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) elsewhere.push(r.url());
    });
    const loaded = page.waitForResponse((r) => new URL(r.url()).pathname === "/openapi.json");
    await page.goto(`${server.url}/docs`);
    expect((await loaded).status()).toBe(200);

    const send = page.locator('.opblock-post [data-path="/v1/conversations/{id}/messages"]').first();
    await send.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator(".opblock").count()).toBeGreaterThan(40);
    // The summary comes from the route's declaration (src/http/conversations.ts).
    const summary = page.locator(".opblock-post", { has: page.locator('[data-path="/v1/conversations/{id}/messages"]') }).locator(".opblock-summary-description");
    expect(await summary.first().textContent()).toContain("Append a message");
    expect(await page.locator(".info .title").first().textContent()).toContain("Carryover API");
    expect(elsewhere).toEqual([]);
  });
});
