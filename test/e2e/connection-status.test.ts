// The widget says so when its live connection stays down, and takes the
// sentence back once it is live again. The page's WebSocket is wrapped (an
// init script) so the test can drop the socket and refuse new ones for a while.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { MESSAGES } from "../../src/widget/messages";
import type { LocalServer } from "../support/server";
import { conversationIdOf, customerTexts, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

declare global {
  interface Window {
    /** Every WebSocket the page opened (set by the init script below). */
    __sockets?: WebSocket[];
    /** While true, new WebSockets go to a closed port and fail. */
    __refuseSockets?: boolean;
  }
}

/** Runs in the page before its scripts: a WebSocket that can be refused, and a list of those opened. */
function wrapWebSocket(): void {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(window.__refuseSockets ? "ws://127.0.0.1:9/refused" : url, protocols);
      window.__sockets?.push(this);
    }
  };
}

describe("connection status in the widget", () => {
  it("says the chat is reconnecting while the live connection is down, and stops saying it once it is back", async () => {
    const context = await newDevice(browser);
    await context.addInitScript(wrapWebSocket);
    const page = await openShop(context, server.url, uniqueUser("offline"));
    await signIn(page);
    await openChat(page);
    await sendText(page, "Hello");
    const id = await conversationIdOf(page);
    const w = widget(page);
    const status = w.host.locator("p.status");
    // A reply shown in the widget: its live connection is up.
    await sendAsBot(server.url, id, { type: "text", text: "Hi there" });
    await w.bubble("Hi there").waitFor();
    expect(await status.isHidden()).toBe(true);

    await page.evaluate(() => {
      window.__refuseSockets = true;
      for (const socket of window.__sockets ?? []) socket.close();
    });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe(MESSAGES.offline);
    expect(await status.isVisible()).toBe(true);

    await page.evaluate(() => (window.__refuseSockets = false));
    await expect.poll(() => status.isHidden(), { timeout: 60_000 }).toBe(true);
    // Live again: a reply arrives without a reload.
    await sendAsBot(server.url, id, { type: "text", text: "Still there?" });
    await w.bubble("Still there?").waitFor();
  });
});

describe("a chat that cannot start", () => {
  it("says it is unavailable, keeps what the visitor typed, and starts again when they try again", async () => {
    const context = await newDevice(browser);
    // The API refuses every new session while the page starts (an outage, or an origin not yet allowed).
    const sessions = `${server.url}/v1/sessions`;
    await context.route(sessions, (route) => route.fulfill({ status: 503, contentType: "application/problem+json", body: '{"code":"internal","status":503}' }));
    const page = await openShop(context, server.url, uniqueUser("down"));
    const w = widget(page);
    const status = w.host.locator("p.status");
    await w.launcher.click();
    await expect.poll(() => status.textContent()).toBe(MESSAGES.unavailable);

    await w.input.fill("important question");
    await w.send.click();
    // Not sent and not dropped: once the chat has tried to start again and could not, the text is
    // back in the box, and the sentence is the same.
    await expect.poll(() => w.input.inputValue(), { timeout: 15_000 }).toBe("important question");
    expect(await status.textContent()).toBe(MESSAGES.unavailable);
    expect(await page.evaluate(() => window.Carryover?.conversationId ?? null)).toBeNull();

    // The API is back: sending again starts the chat and delivers the message, once.
    await context.unroute(sessions);
    await w.send.click();
    await w.bubble("important question").waitFor();
    expect(await w.input.inputValue()).toBe("");
    const id = await conversationIdOf(page);
    await expect.poll(() => customerTexts(server.url, id)).toEqual(["important question"]);
    await context.close();
  });
});
