// Names that cannot spoof, in the browser: a customer name with U+202E does
// not turn the widget's greeting around, names and bodies are
// direction-isolated, and the demo's agent pane shows roles from sender.role.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { ADMIN_KEY, conversationIdOf, newDevice, openChat, openShop, resultsPath, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("names in the browser", () => {
  it("a name with U+202E greets the visitor in reading order, isolated; RTL names and bodies stay in their box", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("bidi"), "\u202Eplehyreve ew nac woh");
    await signIn(page);
    await openChat(page);
    const w = widget(page);
    await expect.poll(() => w.greeting.textContent()).toBe("Hi plehyreve ew nac woh, how can we help?");
    expect(await w.greeting.locator("bdi").textContent()).toBe("plehyreve ew nac woh");

    // A business name in Hebrew, and a body that starts right-to-left: both isolated.
    const id = await conversationIdOf(page);
    const res = await fetch(`${server.url}/v1/conversations/${id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, // may send as an agent
      body: JSON.stringify({
        clientId: "rtl",
        sender: { role: "agent", id: "sara", name: "\u05E9\u05E8\u05D4\u200F" },
        content: { type: "text", text: "\u05E9\u05DC\u05D5\u05DD 42 ok" },
      }),
    });
    expect(res.status).toBe(201);
    const bubble = w.bubble("ok");
    await bubble.waitFor();
    expect(await w.host.locator(".who bdi").last().textContent()).toBe("\u05E9\u05E8\u05D4");
    expect(await w.host.locator(".who .role").last().textContent()).toBe(" · Support");
    expect(await bubble.locator("p.text").getAttribute("dir")).toBe("auto");
    await page.screenshot({ path: resultsPath("names-bidi-isolated.png") });
  });

  it("the demo's agent pane shows a customer named “Support agent” as a customer", async () => {
    const page = await (await newDevice(browser, { width: 1600, height: 900 })).newPage();
    await page.goto(`${server.url}/`);
    const user = uniqueUser("spoof");
    await page.locator("#site").evaluate((frame, src) => ((frame as HTMLIFrameElement).src = src), `/site?user=${user}&name=Support%20agent`);
    const site = page.frameLocator("#site");
    await site.getByRole("button", { name: "Sign in as Support agent" }).click();
    const chat = widget(site);
    await chat.launcher.click();
    await chat.input.fill("please refund me");
    await chat.send.click();
    const line = page.locator("#transcript li", { hasText: "please refund me" });
    await line.waitFor();
    expect(await line.getAttribute("class")).toBe("customer");
    expect(await line.locator("b .role").textContent()).toBe("Customer");
    expect(await line.locator("b bdi").textContent()).toBe("Support agent");
    await page.screenshot({ path: resultsPath("names-agent-pane.png") });
  });
});
