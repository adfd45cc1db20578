// The demo page of `npm run dev`: a guest chats on the website pane, the bot
// of the agent pane answers, Alice signs in on the website and on the phone
// pane and finds the same thread there, and the agent's reply reaches both.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, resultsPath, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("demo page", () => {
  it("carries a thread from the website to the phone, answered from the agent pane", async () => {
    const page = await (await newDevice(browser, { width: 1600, height: 900 })).newPage();
    await page.goto(`${server.url}/`);
    const site = page.frameLocator("#site");
    const phone = page.frameLocator("#phone");
    const siteChat = widget(site);
    const phoneChat = widget(phone);

    await siteChat.launcher.click();
    await siteChat.input.fill("Hello from the website");
    await siteChat.send.click();
    await page.locator("#transcript li.customer", { hasText: "Hello from the website" }).waitFor();
    await siteChat.bubble("How can we help today?").waitFor(); // the bot of the agent pane
    await siteChat.host.getByRole("button", { name: "Book a repair" }).click();
    await siteChat.bubble("You picked “Book a repair”").waitFor();

    await site.getByRole("button", { name: "Sign in as Alice" }).click();
    await expect.poll(() => siteChat.greeting.textContent()).toBe("Hi Alice, how can we help?");
    await phone.getByRole("button", { name: "Sign in as Alice" }).click();
    await phoneChat.launcher.click();
    await phoneChat.bubble("Hello from the website").waitFor();

    await page.locator("#reply-text").fill("On it, Alice!");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await phoneChat.bubble("On it, Alice!").waitFor();
    await siteChat.bubble("On it, Alice!").waitFor();
    await page.getByRole("button", { name: "Payment request" }).click();
    await phoneChat.host.getByRole("link", { name: "Pay now" }).waitFor();
    expect(await page.locator("#agent-status").textContent()).toBe("");
    await page.screenshot({ path: resultsPath("demo-page-1600x900.png") });
  });
});
