// A visitor chats as a guest (greeted as one), signs in on the site, and the
// widget logs in with the guest token: the thread carries over to their
// account, and so to their other devices.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { customerTexts, newDevice, openChat, openShop, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("guest, then login", () => {
  it("keeps the guest's thread after the site signs the visitor in", async () => {
    const user = uniqueUser("guest");
    const laptop = await openShop(await newDevice(browser), server.url, user, "Bea");
    await openChat(laptop);
    const w = widget(laptop);
    expect(await w.greeting.textContent()).toBe("Hi there, how can we help? Ask us anything.");
    expect(await laptop.evaluate(() => window.Carryover?.user?.guest)).toBe(true);
    await sendText(laptop, "asked as a guest");
    await w.bubble("asked as a guest").and(w.host.locator("[data-state=sent]")).waitFor();
    const guestThread = await laptop.evaluate(() => window.Carryover?.conversationId);

    await signIn(laptop);
    await expect.poll(() => w.greeting.textContent()).toBe("Hi Bea, how can we help?");
    await w.bubble("asked as a guest").waitFor();

    const phone = await openShop(await newDevice(browser, { width: 390, height: 844 }), server.url, user, "Bea", "/phone");
    await signIn(phone);
    await openChat(phone);
    await widget(phone).bubble("asked as a guest").waitFor();
    const thread = await phone.evaluate(() => window.Carryover?.conversationId);
    expect(await customerTexts(server.url, thread!)).toEqual(["asked as a guest"]);
    expect(thread).toBe(guestThread);

    await laptop.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => w.greeting.textContent()).toBe("Hi there, how can we help? Ask us anything.");
    expect(await w.host.locator(".msg").count()).toBe(0);
  });
});
