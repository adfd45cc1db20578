// Layouts: a floating panel on desktop, a full-screen sheet on phones; every
// content type rendered. Screenshots go to test-results/ for a human to look at.
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Content } from "../../src/protocol/content";
import type { LocalServer } from "../support/server";
import { conversationIdOf, newDevice, openChat, openShop, resultsPath, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** A conversation with one message of every content type from the business. */
async function richConversation(page: Page): Promise<string> {
  await sendText(page, "Hi! Can I book a repair for my Roadster?");
  const id = await conversationIdOf(page);
  const origin = server.url;
  const contents: Content[] = [
    { type: "text", text: "Sure! Here are our bikes while you wait." },
    {
      type: "cards",
      cards: [
        { title: "Roadster 7", subtitle: "7 gears, € 899", buttons: [{ type: "url", title: "View", url: `${origin}/site#r7` }, { type: "postback", title: "Reserve", payload: "R7" }] },
        { title: "Cargo One", subtitle: "Carries 80 kg", buttons: [{ type: "postback", title: "Reserve", payload: "C1" }] },
      ],
    },
    { type: "media", mediaType: "file", url: `${origin}/site`, caption: "Service checklist", buttons: [{ type: "postback", title: "Book a service", payload: "BOOK" }] },
    { type: "buttons", text: "What should we check?", buttons: [{ type: "postback", title: "Brakes", payload: "BRAKES" }, { type: "url", title: "Price list", url: `${origin}/site#prices` }] },
    { type: "receipt", orderId: "A-1042", currency: "EUR", total: 929, items: [{ title: "Roadster 7", quantity: 1, price: 899 }, { title: "Bell", quantity: 2, price: 15 }] },
    { type: "payment_request", requestId: "pr_1", amount: 49, currency: "EUR", description: "Repair deposit", payUrl: `${origin}/site#pay`, status: "pending" },
    { type: "text", text: "Anything else?", quickReplies: [{ title: "Track my order", payload: "TRACK" }, { title: "No, thanks", payload: "DONE" }] },
  ];
  for (const content of contents) expect((await sendAsBot(server.url, id, content)).status).toBe(201);
  await widget(page).host.locator(".chip").first().waitFor();
  return id;
}

describe("widget layout", () => {
  it("floats as a panel above the bubble on a desktop and renders every content type", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("layout-desktop"), "Alice");
    await signIn(page);
    await openChat(page);
    await richConversation(page);
    const w = widget(page);

    const panel = await w.panel.boundingBox();
    expect(panel).not.toBeNull();
    expect(panel!.width).toBe(380);
    expect(panel!.x + panel!.width).toBeCloseTo(1280 - 20, 0);
    expect(await w.launcher.isVisible()).toBe(true);

    await expect.poll(() => w.host.locator(".card").count()).toBe(2);
    expect(await w.host.locator("table.receipt tfoot").textContent()).toContain("929");
    expect(await w.host.locator(".payment .pay-status").textContent()).toBe("Awaiting payment");
    expect(await w.host.getByRole("link", { name: "Pay now" }).getAttribute("href")).toBe(`${server.url}/site#pay`);
    const view = w.host.getByRole("link", { name: "View" });
    expect(await view.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await view.getAttribute("target")).toBe("_blank");
    expect(await w.host.getByRole("link", { name: "Service checklist" }).count()).toBe(1);
    expect(await w.host.locator(".chip").allTextContents()).toEqual(["Track my order", "No, thanks"]);

    await page.screenshot({ path: resultsPath("widget-desktop-1280x800.png") });
  });

  it("opens as a full-screen sheet on a phone", async () => {
    const page = await openShop(await newDevice(browser, { width: 390, height: 844 }), server.url, uniqueUser("layout-mobile"), "Alice");
    await signIn(page);
    await openChat(page);
    await richConversation(page);
    const w = widget(page);
    expect(await w.panel.boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    expect(await w.launcher.isVisible()).toBe(false);
    await page.screenshot({ path: resultsPath("widget-mobile-390x844.png") });

    await w.host.getByRole("button", { name: "Minimize chat" }).click();
    expect(await w.panel.isVisible()).toBe(false);
    expect(await w.launcher.isVisible()).toBe(true);
  });
});
