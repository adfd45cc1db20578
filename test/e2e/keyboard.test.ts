// Keyboard and screen-reader use: the launcher opens the chat with focus in
// the message box, Escape closes it and gives focus back, Tab moves on out of
// the widget (no focus trap), buttons are labelled, new messages are announced,
// and a closed chat counts unread messages on the bubble.
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, newDevice, openChat, openShop, sendAsBot, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** Which element of the widget has focus ("" when focus is outside it). */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.querySelector("carryover-chat")?.shadowRoot?.activeElement;
    if (!el) return "";
    return el.id || el.getAttribute("aria-label") || el.textContent?.trim() || el.tagName;
  });
}

describe("widget keyboard and screen-reader use", () => {
  it("opens, sends, closes and lets focus leave, all from the keyboard", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("keys"));
    await signIn(page);
    const w = widget(page);
    await w.launcher.focus();
    expect(await w.launcher.getAttribute("aria-expanded")).toBe("false");
    await page.keyboard.press("Enter");
    expect(await w.launcher.getAttribute("aria-expanded")).toBe("true");
    await expect.poll(() => focused(page)).toBe("carryover-input");

    await page.keyboard.type("typed, then Enter");
    await page.keyboard.press("Enter");
    await w.bubble("typed, then Enter").waitFor();
    expect(await w.input.inputValue()).toBe("");

    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("Send");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatch(/^Open chat/);
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe(""); // focus moved on: no trap

    await w.input.focus();
    await page.keyboard.press("Escape");
    expect(await w.panel.isVisible()).toBe(false);
    expect(await focused(page)).toMatch(/^Open chat/);
  });

  it("labels every control, announces new messages and counts unread ones on the bubble", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("a11y"));
    await signIn(page);
    await openChat(page);
    const w = widget(page);
    expect(await w.log.getAttribute("aria-live")).toBe("polite");
    expect(await w.panel.getAttribute("aria-labelledby")).toBeTruthy();
    const unlabelled = await page.evaluate(() =>
      [...(document.querySelector("carryover-chat")?.shadowRoot?.querySelectorAll("button, textarea, input") ?? [])]
        .filter((el) => !(el.getAttribute("aria-label") || el.textContent?.trim() || (el.id && el.getRootNode() instanceof ShadowRoot && (el.getRootNode() as ShadowRoot).querySelector(`label[for="${el.id}"]`))))
        .map((el) => el.outerHTML.slice(0, 60)),
    );
    expect(unlabelled).toEqual([]);

    const id = await conversationIdOf(page);
    await page.keyboard.press("Escape");
    await sendAsBot(server.url, id, { type: "text", text: "Your bike is ready" });
    await sendAsBot(server.url, id, { type: "text", text: "Pick it up any time" });
    const badge = w.host.locator(".badge");
    await expect.poll(() => badge.textContent()).toBe("2");
    expect(await badge.isVisible()).toBe(true);
    expect(await w.launcher.getAttribute("aria-label")).toContain("2 unread");
    expect(await w.log.locator(".msg", { hasText: "Pick it up any time" }).count()).toBe(1);

    await w.launcher.click();
    await expect.poll(() => badge.isVisible()).toBe(false);
    await page.reload();
    await expect.poll(() => page.evaluate(() => window.Carryover?.conversationId ?? null)).toBe(id);
    expect(await w.host.locator(".badge").isVisible()).toBe(false); // read on the server, not just hidden
  });
});
