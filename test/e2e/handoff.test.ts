// "Continue on another device": the widget shows a one-time link and its QR
// code; opening the link on a second device opens the same thread there.
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

describe("handoff to another device", () => {
  it("opens the same thread from the link on a second device, once", async () => {
    const laptop = await openShop(await newDevice(browser), server.url, uniqueUser("handoff"), "Alice");
    await signIn(laptop);
    await openChat(laptop);
    await sendText(laptop, "carry me over");
    const w = widget(laptop);
    await w.bubble("carry me over").waitFor();
    const conversationId = await laptop.evaluate(() => window.Carryover?.conversationId);

    await w.host.getByRole("button", { name: "Continue on another device" }).click();
    const field = w.host.getByRole("textbox", { name: "Handoff link" });
    await field.waitFor();
    const link = await field.inputValue();
    expect(link).toMatch(/[?&]handoff=/);
    // The QR encoder and the link's view arrive on demand (widget-extras.js).
    const qr = w.host.getByRole("img", { name: "QR code of the handoff link" });
    await qr.waitFor();
    expect(await qr.locator("rect").count()).toBeGreaterThan(100);
    await laptop.screenshot({ path: resultsPath("widget-handoff-1280x800.png") });

    const phone = await (await newDevice(browser, { width: 1600, height: 900 })).newPage();
    await phone.goto(link);
    const phoneChat = widget(phone.frameLocator("#phone"));
    await phoneChat.host.getByRole("button", { name: "Continue this conversation here" }).click();
    await phoneChat.bubble("carry me over").waitFor();
    expect(await phone.frameLocator("#phone").locator("body").evaluate(() => window.Carryover?.conversationId)).toBe(conversationId);
    expect(phone.url()).not.toContain("handoff="); // a used token does not stay in the address bar

    await phoneChat.input.fill("continued on the phone");
    await phoneChat.send.click();
    await w.host.getByRole("button", { name: "Back to chat" }).click();
    await w.bubble("continued on the phone").waitFor();

    const third = await (await newDevice(browser)).newPage();
    await third.goto(link.replace("/?", "/site?"));
    await widget(third).host.getByRole("button", { name: "Continue this conversation here" }).click();
    await expect.poll(() => widget(third).host.locator(".status").textContent()).toBe("This link has already been used or has expired. Ask for a new one on your other device.");
  });
});
