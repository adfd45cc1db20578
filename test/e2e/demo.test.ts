// The demo page of `npm run dev`: a guest chats on the website pane, the bot
// of the agent pane answers, Alice signs in on the website and on the phone
// pane and finds the same thread there, and the agent's reply reaches both.
// Sam takes a thread another agent owns (with ifEpoch), state changes read as
// neutral lines, and a lost race is said in a sentence.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { BOT_KEY, newDevice, resultsPath, useServerAndBrowser, widget } from "./browser";

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
  it("takes a thread another agent owns, shows state changes as neutral lines, and says so when it loses a race", async () => {
    const page = await (await newDevice(browser, { width: 1600, height: 900 })).newPage();
    await page.goto(`${server.url}/`);
    expect(await page.locator("#link").getAttribute("placeholder")).toBe(`${server.url}/?tenant=demo&handoff=…`);
    await page.locator("#auto").uncheck();
    const siteChat = widget(page.frameLocator("#site"));
    await siteChat.launcher.click();
    await siteChat.input.fill("Can a person help me?");
    await siteChat.send.click();
    await page.locator("#transcript li.customer", { hasText: "Can a person help me?" }).waitFor();
    const id = await page.locator("#thread").inputValue();
    const handover = async (body: object) =>
      fetch(`${server.url}/v1/conversations/${id}/handover`, {
        method: "POST",
        headers: { authorization: `Bearer ${BOT_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const epochOf = async () =>
      ((await (await fetch(`${server.url}/v1/conversations/${id}`, { headers: { authorization: `Bearer ${BOT_KEY}` } })).json()) as { conversation: { ownerEpoch: number } })
        .conversation.ownerEpoch;
    const option = page.locator("#thread option:checked");

    // Kim (another agent) has the thread; Sam takes it over.
    expect((await handover({ owner: "agent", agentId: "kim" })).status).toBe(200);
    await expect.poll(() => option.textContent(), { timeout: 20_000 }).toContain("with kim");
    await page.locator("#take").click();
    await page.locator("#transcript li.state", { hasText: "Sam (Demo Shop) took the thread" }).waitFor({ timeout: 20_000 });
    await page.locator("#transcript li.state", { hasText: "kim took the thread" }).waitFor();
    expect(await page.locator("#agent-status").textContent()).toBe("");
    await expect.poll(() => page.locator("#take").textContent(), { timeout: 20_000 }).toBe("Back to the bot");
    await page.locator("#resolve").click();
    await page.locator("#transcript li.state", { hasText: "Status: resolved" }).waitFor({ timeout: 20_000 });
    expect(await page.locator("#transcript").textContent()).not.toContain("conversation.updated");
    expect(await page.locator("#transcript li.agent").count()).toBe(0);

    // Back with Kim; while Sam's take is on its way, Lee takes the thread first: Sam's ifEpoch is stale.
    expect((await handover({ owner: "agent", agentId: "kim", ifEpoch: await epochOf() })).status).toBe(200);
    await expect.poll(() => option.textContent(), { timeout: 20_000 }).toContain("with kim");
    await page.route("**/handover", async (route) => {
      const epoch = ((await route.request().postDataJSON()) as { ifEpoch: number }).ifEpoch;
      expect((await handover({ owner: "agent", agentId: "lee", ifEpoch: epoch })).status).toBe(200);
      await route.continue();
    });
    await page.locator("#take").click();
    await expect.poll(() => page.locator("#agent-status").textContent(), { timeout: 20_000 }).toBe(
      "Someone else changed who has this thread just now. Look at the list again and retry if you still want it.",
    );
    await expect.poll(() => option.textContent(), { timeout: 20_000 }).toContain("with lee");
  });
});
