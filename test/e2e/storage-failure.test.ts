// Storage that fails: with the session and outbox writes throwing (quota
// full) or storage blocked outright, the widget keeps working in memory,
// says once that messages will not survive a reload, and sends each message
// exactly once; the demo site's own script survives blocked storage too.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, customerTexts, newDevice, openChat, openShop, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const NOT_KEPT = "Your messages will not be kept if you reload this page.";

describe("storage that fails", () => {
  it("quota full: the chat goes on in memory, says so once, and sends every message once", async () => {
    const context = await newDevice(browser);
    await context.addInitScript(() => {
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key: string, value: string) {
        // The widget's own probe passes; the session and the outbox do not fit.
        if (/carryover:demo:/.test(key)) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return setItem.call(this, key, value);
      };
    });
    const page = await openShop(context, server.url, uniqueUser("quota"), "Quinn");
    await openChat(page);
    const w = widget(page);
    await expect.poll(() => w.host.locator(".status").textContent()).toBe(NOT_KEPT);
    await sendText(page, "first in memory");
    await sendText(page, "second in memory");
    await w.bubble("second in memory").and(w.host.locator("[data-state=sent]")).waitFor();
    await w.bubble("first in memory").and(w.host.locator("[data-state=sent]")).waitFor();
    expect(await w.host.locator("[data-state=pending]").count()).toBe(0);
    // Signing in (a merge, a new session to store) works too.
    await signIn(page);
    await w.bubble("second in memory").waitFor();
    await sendText(page, "after sign-in");
    await w.bubble("after sign-in").and(w.host.locator("[data-state=sent]")).waitFor();
    const id = await conversationIdOf(page);
    expect(await customerTexts(server.url, id)).toEqual(["first in memory", "second in memory", "after sign-in"]);
  });

  it("storage blocked outright: the demo site and the widget both work", async () => {
    const context = await newDevice(browser);
    await context.addInitScript(() => {
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new DOMException("The operation is insecure.", "SecurityError");
        },
      });
    });
    const page = await openShop(context, server.url, uniqueUser("blocked"), "Blake");
    await signIn(page);
    await openChat(page);
    const w = widget(page);
    expect(await w.host.locator(".status").textContent()).toBe(NOT_KEPT);
    await sendText(page, "no storage at all");
    await w.bubble("no storage at all").and(w.host.locator("[data-state=sent]")).waitFor();
    expect(await customerTexts(server.url, await conversationIdOf(page))).toEqual(["no storage at all"]);
  });
});
