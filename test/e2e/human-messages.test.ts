// No raw codes in front of customers: what the widget says about refused
// messages, sign-outs and closed sockets is a sentence from its one table,
// never an error code, a server detail or a close reason; a guest merged by
// signing in sees no message at all.
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, openChat, openShop, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const RAW = /token_revoked|invalid_token|invalid_request|rate_limited|not_found|forbidden|refused by the test|blocked by the test|4008|\(4\d\d\d/;

async function widgetText(page: Page): Promise<string> {
  return (await widget(page).panel.textContent()) ?? "";
}

describe("human sentences", () => {
  it("a refused message says so in words, without the code, the detail or the socket's close reason", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("refused"));
    await openChat(page);
    await page.routeWebSocket(/\/live/, (ws) => ws.close({ code: 4003, reason: "blocked by the test" }));
    await page.route("**/v1/conversations/*/messages", (route) =>
      route.fulfill({
        status: 400,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "about:blank", title: "Invalid request", status: 400, code: "invalid_request", detail: "refused by the test" }),
      }),
    );
    await page.reload();
    await openChat(page);
    await sendText(page, "will be refused");
    const bubble = widget(page).bubble("will be refused");
    await expect.poll(() => bubble.getAttribute("data-state")).toBe("failed");
    expect(await bubble.locator(".meta").textContent()).toBe("Not sent: this message could not be accepted. Retry");
    expect(await widgetText(page)).not.toMatch(RAW);
  });

  it("signed out from elsewhere: a sentence, not token_revoked", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("elsewhere"));
    await signIn(page);
    await openChat(page);
    await sendText(page, "hello");
    await widget(page).bubble("hello").and(widget(page).host.locator("[data-state=sent]")).waitFor();
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("site:carryover:demo:session") ?? "{}").sessionToken as string);
    const res = await fetch(`${server.url}/v1/sessions`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(204);
    await expect.poll(() => widget(page).host.locator(".status").textContent()).toBe("You have been signed out of the chat on this device.");
    expect(await widgetText(page)).not.toMatch(RAW);
  });

  it("a guest merged by signing in sees no message", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("merge"));
    await openChat(page);
    await sendText(page, "as a guest");
    const w = widget(page);
    await w.bubble("as a guest").and(w.host.locator("[data-state=sent]")).waitFor();
    await signIn(page);
    await w.bubble("as a guest").waitFor();
    await page.waitForTimeout(1_000);
    expect(await w.host.locator(".status").isHidden()).toBe(true);
    expect(await widgetText(page)).not.toMatch(RAW);
  });
});
