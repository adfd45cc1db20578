// Handoff links and link scanners: opening the link (as a mail or chat
// scanner's headless browser does) redeems nothing; only the person's click
// on "Continue this conversation here" does. GET and HEAD of the landing are
// side-effect free and answer Referrer-Policy: no-referrer.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, openChat, openShop, resultsPath, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function handoffLink(): Promise<{ link: string; conversationId: string }> {
  const laptop = await openShop(await newDevice(browser), server.url, uniqueUser("landing"), "Alice");
  await signIn(laptop);
  await openChat(laptop);
  await sendText(laptop, "take me along");
  const w = widget(laptop);
  await w.bubble("take me along").and(w.host.locator("[data-state=sent]")).waitFor();
  const conversationId = (await laptop.evaluate(() => window.Carryover?.conversationId))!;
  await w.host.getByRole("button", { name: "Continue on another device" }).click();
  const field = w.host.getByRole("textbox", { name: "Handoff link" });
  await field.waitFor();
  return { link: (await field.inputValue()).replace("/?", "/site?"), conversationId };
}

describe("handoff landing", () => {
  it("a scanner that opens the link takes nothing; the person's click then opens the thread", async () => {
    const { link, conversationId } = await handoffLink();

    // GET and HEAD, as a scanner's fetch would: no side effect, no referrer.
    for (const method of ["HEAD", "GET"]) {
      const res = await fetch(link, { method });
      expect(res.status).toBe(200);
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }

    // A headless browser that loads the page and runs its scripts, but clicks nothing.
    const scanner = await (await newDevice(browser)).newPage();
    await scanner.goto(link);
    const landing = widget(scanner).host.getByRole("button", { name: "Continue this conversation here" });
    await landing.waitFor();
    await scanner.waitForTimeout(1_000);
    expect(await scanner.evaluate(() => window.Carryover?.conversationId ?? null)).toBeNull();
    expect(scanner.url()).not.toContain("handoff=");
    expect(await scanner.locator('meta[name="referrer"]').getAttribute("content")).toBe("no-referrer");
    await scanner.screenshot({ path: resultsPath("handoff-landing.png") });
    await scanner.close();

    // The real person, later, with the same link: the token is still theirs.
    const person = await (await newDevice(browser, { width: 390, height: 844 })).newPage();
    await person.goto(link);
    const chat = widget(person);
    await chat.host.getByRole("button", { name: "Continue this conversation here" }).click();
    await chat.bubble("take me along").waitFor();
    expect(await person.evaluate(() => window.Carryover?.conversationId)).toBe(conversationId);
  });

  it("“Not now” redeems nothing and leaves the visitor with their own chat", async () => {
    const { link } = await handoffLink();
    const page = await (await newDevice(browser)).newPage();
    await page.goto(link);
    const chat = widget(page);
    await chat.host.getByRole("button", { name: "Not now" }).click();
    await chat.input.waitFor();
    await expect.poll(() => page.evaluate(() => window.Carryover?.user?.guest)).toBe(true);
    await sendText(page, "a new question");
    await chat.bubble("a new question").and(chat.host.locator("[data-state=sent]")).waitFor();
    expect(await chat.host.locator(".msg").count()).toBe(1);
  });
});
