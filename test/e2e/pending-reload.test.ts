// A message sent while the network refuses it stays on screen as pending,
// survives a reload (durable outbox) and is delivered exactly once; one the
// server refuses is shown as failed, with a retry.
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, customerTexts, newDevice, openChat, openShop, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Refuses every message POST and every live socket, as a dead network would. */
async function blockDelivery(page: Page): Promise<void> {
  await page.route("**/v1/conversations/*/messages", (route) =>
    route.request().method() === "POST" ? route.abort("internetdisconnected") : route.continue(),
  );
  await page.routeWebSocket(/\/live/, (ws) => ws.close({ code: 1011, reason: "blocked by the test" }));
}

describe("pending messages", () => {
  it("are shown as pending, kept through a reload and delivered once", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("pending"));
    await signIn(page);
    await openChat(page);
    await sendText(page, "first, delivered at once");
    const id = await conversationIdOf(page);
    await expect.poll(() => customerTexts(server.url, id)).toEqual(["first, delivered at once"]);

    await blockDelivery(page);
    await page.reload();
    await openChat(page);
    const w = widget(page);
    await sendText(page, "kept through a reload");
    const pending = w.bubble("kept through a reload");
    await expect.poll(() => pending.getAttribute("data-state")).toBe("pending");
    expect(await pending.textContent()).toContain("Sending…");

    await page.reload();
    await openChat(page);
    await expect.poll(() => pending.getAttribute("data-state")).toBe("pending");
    expect(await customerTexts(server.url, id)).toEqual(["first, delivered at once"]);
    await pending.evaluate((el) => el.setAttribute("data-test-mark", "same node"));

    await page.unrouteAll();
    await expect.poll(() => pending.getAttribute("data-state"), { timeout: 45_000 }).toBe("sent");
    // Updated in place, not replaced: the live log does not announce it twice.
    expect(await pending.getAttribute("data-test-mark")).toBe("same node");
    expect(await pending.textContent()).not.toContain("Sending…");
    expect(await customerTexts(server.url, id)).toEqual(["first, delivered at once", "kept through a reload"]);
    expect(await pending.count()).toBe(1);
  });

  it("are shown as failed when the server refuses them, and retried on request", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("failed"));
    await signIn(page);
    await openChat(page);
    const id = await conversationIdOf(page);
    // Installed before a reload: the page's live socket is already open otherwise.
    await page.routeWebSocket(/\/live/, (ws) => ws.close({ code: 1011, reason: "blocked by the test" }));
    await page.route("**/v1/conversations/*/messages", (route) =>
      route.fulfill({
        status: 400,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "about:blank", title: "Invalid request", status: 400, code: "invalid_request", detail: "refused by the test" }),
      }),
    );
    await page.reload();
    await openChat(page);
    await sendText(page, "refused once");
    const w = widget(page);
    const bubble = w.bubble("refused once");
    await expect.poll(() => bubble.getAttribute("data-state")).toBe("failed");
    expect(await bubble.textContent()).toContain("Not sent");

    await page.unrouteAll();
    await bubble.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => bubble.getAttribute("data-state"), { timeout: 45_000 }).toBe("sent");
    expect(await customerTexts(server.url, id)).toEqual(["refused once"]);
  });
});
