// widget.js leaves its rarely used parts to widget-extras.js, loaded the first
// time a visitor needs one: a chat that never needs them never fetches it, a
// failed load is said in words, and the next try loads it.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, openChat, openShop, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

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
});
