// A bot message full of HTML and script payloads renders as inert text: no
// dialog, no injected element in the shadow root, the text shown literally.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Content } from "../../src/protocol/content";
import type { LocalServer } from "../support/server";
import { conversationIdOf, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const IMG = `<img src=x onerror="window.__pwned='img';alert(1)">`;
const SVG = `<svg onload="window.__pwned='svg';alert(2)"><script>alert(3)</script></svg>`;
const JS_LINK = `<a href="javascript:alert(4)">click me</a> javascript:alert(5)`;
const STYLE = `<style>*{display:none!important}</style><iframe src="javascript:alert(6)"></iframe>`;

describe("widget against HTML injection", () => {
  it("renders hostile bot content as literal text and runs none of it", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("xss"));
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await signIn(page);
    await openChat(page);
    await sendText(page, "hello");
    const id = await conversationIdOf(page);

    // The API refuses javascript: URLs in buttons outright…
    const refused = await sendAsBot(server.url, id, { type: "buttons", text: "x", buttons: [{ type: "url", title: "go", url: "javascript:alert(1)" }] });
    expect(refused.status).toBe(400);
    // …so they are tried everywhere text goes.
    const contents: Content[] = [
      { type: "text", text: `${SVG} ${JS_LINK} ${STYLE}` },
      { type: "buttons", text: JS_LINK, buttons: [{ type: "postback", title: IMG.slice(0, 80), payload: "X" }, { type: "url", title: STYLE.slice(0, 80), url: "https://example.com/?q=<script>alert(7)</script>" }] },
      { type: "cards", cards: [{ title: IMG.slice(0, 80), subtitle: SVG, imageUrl: "https://example.com/x.png\" onerror=\"alert(8)" }] },
      { type: "receipt", orderId: "<b>1</b>", currency: "EUR", total: 1, items: [{ title: STYLE.slice(0, 80), quantity: 1, price: 1 }] },
      { type: "payment_request", requestId: "pr_x", amount: 1, currency: "EUR", description: JS_LINK, payUrl: "https://example.com/pay", status: "pending" },
      { type: "media", mediaType: "image", url: "https://example.com/i.png", caption: IMG },
      { type: "text", text: IMG, quickReplies: [{ title: SVG.slice(0, 80), payload: "P" }] },
    ];
    for (const content of contents) expect((await sendAsBot(server.url, id, content)).status).toBe(201);
    const w = widget(page);
    await w.host.locator(".chip").waitFor(); // quick replies of the last message

    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: string }).__pwned ?? null)).toBeNull();
    const injected = await page.evaluate(() => {
      const root = document.querySelector("carryover-chat")?.shadowRoot;
      if (!root) return ["no shadow root"];
      const found: string[] = [];
      for (const el of root.querySelectorAll("script, iframe, b, svg[onload], [onerror], [onload], a[href^='javascript' i], style")) {
        if (el.tagName === "STYLE" && el.parentNode === root) continue; // the widget's own stylesheet
        if (el.tagName === "svg" && !el.hasAttribute("onload")) continue;
        found.push(el.outerHTML.slice(0, 80));
      }
      for (const img of root.querySelectorAll("img")) if (img.getAttribute("src") === "x") found.push("img src=x");
      return found;
    });
    expect(injected).toEqual([]);

    expect(await w.bubble(IMG).count()).toBeGreaterThan(0);
    expect(await w.log.textContent()).toContain(`${SVG} ${JS_LINK} ${STYLE}`);
    expect(await w.host.locator(".chip").first().textContent()).toBe(SVG.slice(0, 80));
    expect(await w.host.locator("table.receipt caption").textContent()).toContain("<b>1</b>");
    expect(await w.host.locator(".card-sub").textContent()).toBe(SVG);
    // The page's own styles still apply: the hostile <style> text did nothing.
    expect(await page.getByRole("heading", { name: "City bikes, serviced for life" }).isVisible()).toBe(true);
    expect(dialogs).toEqual([]);
  });
});
