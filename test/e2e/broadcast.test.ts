// A subscribed customer's open widget shows a broadcast live, and its "Stop"
// quick reply unsubscribes them.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { openChat, openShop, newDevice, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const ADMIN_TOKEN = "dev-admin-token-change-me";
/** Generous: the machine running the browser tests may be busy. */
const POLL = { timeout: 10_000, interval: 100 };

async function call(path: string, token: string, method = "GET", body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

describe("broadcasts in the widget", () => {
  it("a subscribed customer sees the broadcast live; Stop unsubscribes", async () => {
    const { apiKey } = (await call("/v1/admin/tenants/demo/api-keys", ADMIN_TOKEN, "POST", { role: "admin" })) as { apiKey: string };
    const topic = `deals-${crypto.randomUUID().slice(0, 8)}`;
    await call(`/v1/topics/${topic}`, apiKey, "PUT", { name: "Deals" });

    const page = await openShop(await newDevice(browser), server.url, uniqueUser("bc"));
    await signIn(page);
    await openChat(page);
    const w = widget(page);
    // The widget's affordance: a "Get updates" toggle for the site's topic.
    await page.evaluate((t) => window.Carryover?.update({ updatesTopic: t }), topic);
    const toggle = w.host.getByRole("button", { name: "Get updates" });
    await toggle.click();
    await expect.poll(() => w.host.locator("button.updates").getAttribute("aria-pressed"), POLL).toBe("true");
    await expect.poll(() => page.evaluate(async (t) => (await window.Carryover!.subscriptions()).find((s) => s.topic === t)?.subscribed, topic), POLL).toBe(true);

    const { broadcast } = (await call("/v1/broadcasts", apiKey, "POST", {
      topic,
      content: { type: "text", text: "Flash sale: 20% off today", quickReplies: [{ title: "Stop", payload: `carryover:unsubscribe:${topic}` }] },
    })) as { broadcast: { id: string } };
    await w.bubble("Flash sale: 20% off today").waitFor();

    await w.host.getByRole("group", { name: "Suggested replies" }).getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => page.evaluate(async (t) => (await window.Carryover!.subscriptions()).find((s) => s.topic === t)?.subscribed, topic), POLL).toBe(false);
    await expect.poll(() => w.host.locator("button.updates").getAttribute("aria-pressed"), POLL).toBe("false");
    const after = (await call(`/v1/broadcasts/${broadcast.id}`, apiKey)) as { broadcast: { status: string; delivered: number; total: number } };
    expect(after.broadcast).toMatchObject({ total: 1, delivered: 1 });
  });
});
