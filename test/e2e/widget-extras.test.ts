// widget.js leaves its rarely used parts to widget-extras.js, loaded the first
// time a visitor needs one: a chat that never needs them never fetches it, a
// failed load is said in words, and the next try loads it.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("widget extras on demand", () => {
  it("loads widget-extras.js only when needed, says so when it cannot, and loads it on the next try", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("extras"), "Alice");
    let blocked = true;
    const fetched: string[] = [];
    await page.route("**/widget-extras.js", async (route) => {
      fetched.push(route.request().url());
      if (blocked) await route.abort();
      else await route.continue();
    });
    await signIn(page);
    await openChat(page);
    await sendText(page, "hello extras");
    const w = widget(page);
    await w.bubble("hello extras").waitFor();
    expect(fetched).toEqual([]); // an ordinary chat never asks for it

    const devices = w.host.getByRole("button", { name: "Continue on another device" });
    await devices.click();
    const alert = w.host.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("This part of the chat could not be loaded. Check your connection and try again.");
    expect(fetched).toEqual([`${server.url}/widget-extras.js`]); // beside widget.js
    const back = w.host.getByRole("button", { name: "Back to chat" });
    await expect.poll(() => back.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await page.keyboard.press("Escape");
    await w.input.waitFor();

    blocked = false;
    await devices.click();
    const qr = w.host.getByRole("img", { name: "QR code of the handoff link" });
    await qr.waitFor();
    expect(await w.host.getByRole("textbox", { name: "Handoff link" }).inputValue()).toMatch(/[?&]handoff=/);
    // Its stylesheet came with it, as a constructed sheet (no inline <style> under a strict CSP).
    expect(await qr.evaluate((el) => getComputedStyle(el).width)).toBe("240px");
    expect(await page.evaluate(() => document.querySelector("carryover-chat")?.shadowRoot?.querySelector("style") ?? null)).toBeNull();
    expect(fetched).toHaveLength(2);
  });

  it("shows a receipt once its renderer arrives, and offers to try again when it could not", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("extras-rich"), "Alice");
    let blocked = true;
    await page.route("**/widget-extras.js", (route) => (blocked ? route.abort() : route.continue()));
    await signIn(page);
    await openChat(page);
    await sendText(page, "my order?");
    const w = widget(page);
    await w.bubble("my order?").waitFor();
    const id = await conversationIdOf(page);
    const receipt = { type: "receipt" as const, orderId: "A-7", currency: "EUR", total: 12, items: [{ title: "Bell", quantity: 2, price: 6 }] };
    expect((await sendAsBot(server.url, id, receipt)).status).toBe(201);

    const retry = w.host.getByRole("button", { name: "Try again" });
    await retry.waitFor();
    expect(await w.log.textContent()).toContain("This part of the chat could not be loaded.");
    blocked = false;
    await retry.click();
    expect(await w.host.locator("table.receipt caption").textContent()).toBe("Receipt · order A-7");
    expect(await w.host.locator("table.receipt").evaluate((el) => getComputedStyle(el).borderCollapse)).toBe("collapse");
    expect(await retry.count()).toBe(0);
  });
});
