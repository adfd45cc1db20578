// The demo page's Messenger pane (local development): a message typed in
// Messenger gets the bot's answer there, "Continue on our website" opens the
// same thread in the website pane, and an answer to what is written on the
// website reaches Messenger too.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, resultsPath, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("demo page: Messenger pane", () => {
  it("carries a Messenger thread to the website and answers back to Messenger", async () => {
    const page = await (await newDevice(browser, { width: 1800, height: 1000 })).newPage();
    await page.goto(`${server.url}/`);
    const messenger = page.locator(".pane.messenger");
    const fromPage = (text: string | RegExp) => messenger.locator(".msgr-msg.page", { hasText: text });

    await page.locator("#msgr-text").fill("Hi from Messenger");
    await messenger.getByRole("button", { name: "Send in Messenger" }).click();
    await messenger.locator(".msgr-msg.me", { hasText: "Hi from Messenger" }).waitFor();
    await fromPage("Thanks for your message! How can we help today?").waitFor({ timeout: 30_000 });
    await messenger.getByRole("group", { name: "Quick replies" }).getByRole("button", { name: "Book a repair" }).waitFor();
    // Messenger's button titles stop at 20 characters: the mapping shortens "Continue on our website".
    const continueButton = messenger.getByRole("button", { name: "Continue on our web…" });
    await continueButton.waitFor({ timeout: 30_000 });
    await page.locator("#transcript li.customer", { hasText: "Hi from Messenger" }).waitFor();

    await continueButton.click();
    const site = widget(page.frameLocator("#site"));
    // A handoff link is redeemed only after a human gesture on the landing (link scanners take nothing).
    await site.host.getByRole("button", { name: "Continue this conversation here" }).click({ timeout: 30_000 });
    await site.bubble("Hi from Messenger").waitFor({ timeout: 30_000 });
    await site.bubble("Thanks for your message!").waitFor();
    const conversationId = await page.evaluate(() => (window as unknown as { CarryoverMessenger: { conversationId: string } }).CarryoverMessenger.conversationId);
    const siteConversation = await page.frameLocator("#site").locator("body").evaluate(() => window.Carryover?.conversationId);
    expect(siteConversation).toBe(conversationId);

    await site.input.fill("Now I'm on the website");
    await site.send.click();
    // The demo bot greets the person by the name Messenger's User Profile API gave (the simulator makes one up).
    const greeting = /Thanks, [A-Z][a-z]+ [A-Z][a-z]+! How can we help today\?/;
    await site.bubble(greeting).waitFor({ timeout: 30_000 });
    await fromPage(greeting).waitFor({ timeout: 30_000 });

    const sent = (await (await fetch(`${server.url}/demo/messenger/sent?recipient=${await page.evaluate(() => localStorage.getItem("demo:messenger:psid"))}`)).json()) as {
      messages: { messaging_type: string }[];
    };
    expect(sent.messages.length).toBeGreaterThanOrEqual(3);
    expect(sent.messages.every((m) => m.messaging_type === "RESPONSE")).toBe(true);
    await page.screenshot({ path: resultsPath("demo-messenger-1800x1000.png") });
  });

  it("continues a signed-in website thread in Messenger through the m.me link", async () => {
    const page = await (await newDevice(browser, { width: 1800, height: 1000 })).newPage();
    const user = uniqueUser("alice");
    await page.goto(`${server.url}/`);
    // The website pane as this test's own Alice.
    await page.locator("#site").evaluate((frame, src) => ((frame as HTMLIFrameElement).src = src), `/site?user=${user}&name=Alice`);
    // Wait for that page, not the one the demo loaded first.
    await expect
      .poll(async () => (await page.frames().find((f) => f.url().includes(user))?.evaluate(() => window.Carryover !== undefined)) ?? false)
      .toBe(true);
    const siteFrame = page.frameLocator("#site");
    const site = widget(siteFrame);
    await siteFrame.getByRole("button", { name: "Sign in as Alice" }).click();
    const siteBody = siteFrame.locator("body");
    await expect.poll(() => siteBody.evaluate(() => window.Carryover?.user?.guest)).toBe(false);
    await site.launcher.click();
    await site.input.waitFor();
    await site.input.fill("I ordered on the website");
    await site.send.click();
    await site.bubble("Thanks, Alice! How can we help today?").waitFor({ timeout: 30_000 });

    await siteFrame.getByRole("button", { name: "Continue in Messenger" }).click();
    const messenger = page.locator(".pane.messenger");
    await messenger.getByText("Opened the link in Messenger.").waitFor();
    await page.locator("#msgr-text").fill("Now I'm in Messenger");
    await messenger.getByRole("button", { name: "Send in Messenger" }).click();
    await site.bubble("Now I'm in Messenger").waitFor({ timeout: 30_000 });
    await messenger.locator(".msgr-msg.page", { hasText: "Thanks for your message!" }).waitFor({ timeout: 30_000 });
    await site.bubble("Thanks for your message!").waitFor();
  });
});
