// The one-line embed: the script tag's data attributes configure the widget,
// and its identity endpoint (POST with the site's cookies) decides between a
// guest and a signed-in visitor. The page has no code of its own.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("script-tag embed", () => {
  it("starts from data attributes and chats as a guest when the endpoint says signed out", async () => {
    const page = await (await newDevice(browser)).newPage();
    const identityCalls: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/demo/identity")) identityCalls.push(r.method());
    });
    await page.goto(`${server.url}/embed`);
    const w = widget(page);
    await w.launcher.click();
    await expect.poll(() => page.evaluate(() => window.Carryover?.user?.guest ?? null)).toBe(true);
    expect(identityCalls[0]).toBe("POST");
    expect(await w.host.getByRole("heading", { level: 2 }).textContent()).toBe("Help");
    expect(await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(123, 31, 162)");
    expect(await w.greeting.textContent()).toBe("Hi there, how can we help? Ask us anything.");

    // The page's CSS does not reach into the widget, not even through inheritance.
    await page.addStyleTag({ content: "body{color:rgb(255,0,0);font:italic 30px serif;line-height:5} p,button{color:rgb(255,0,0)!important;display:none!important}" });
    expect(await w.greeting.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).fontStyle, getComputedStyle(el).display])).toEqual(["rgb(68, 68, 68)", "normal", "block"]);
    expect(await w.send.isVisible()).toBe(true);

    await page.evaluate(() => window.Carryover?.hide());
    expect(await w.launcher.isVisible()).toBe(false);
    await page.evaluate(() => window.Carryover?.show());
    expect(await w.launcher.isVisible()).toBe(true);
    await page.evaluate(() => window.Carryover?.update({ themeColor: "#ffeb3b", title: "Support" }));
    expect(await w.host.getByRole("heading", { level: 2 }).textContent()).toBe("Support");
    expect(await w.send.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color])).toEqual([
      "rgb(255, 235, 59)",
      "rgb(28, 30, 33)", // dark text on a light accent
    ]);
  });

  it("signs the visitor in with the token the endpoint returns for the site's cookie", async () => {
    const user = uniqueUser("embed");
    const context = await newDevice(browser);
    await context.addCookies([
      { name: "demo_user", value: user, url: server.url },
      { name: "demo_name", value: "Dana", url: server.url },
    ]);
    const page = await context.newPage();
    await page.goto(`${server.url}/embed`);
    await expect.poll(() => page.evaluate(() => window.Carryover?.user ?? null)).toEqual({ id: user, name: "Dana", guest: false });
    const w = widget(page);
    await w.launcher.click();
    expect(await w.greeting.textContent()).toBe("Hi Dana, how can we help?");
  });

  it("works under a strict Content-Security-Policy (no inline styles or scripts)", async () => {
    const page = await (await newDevice(browser)).newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && m.text().includes("Content Security Policy")) violations.push(m.text());
    });
    await page.route("**/embed", async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:" },
      });
    });
    await page.goto(`${server.url}/embed`);
    const w = widget(page);
    await w.launcher.click();
    await expect.poll(() => page.evaluate(() => window.Carryover?.conversationId ?? null)).not.toBeNull();
    expect(await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(123, 31, 162)");
    expect(await w.panel.evaluate((el) => getComputedStyle(el).position)).toBe("absolute");
    expect(violations).toEqual([]);
  });
});
