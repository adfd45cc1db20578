// One person on two devices (two browser contexts with separate storage):
// what is sent on one shows up on the other, live.
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

describe("widget on two devices", () => {
  it("shows a message sent on the laptop on the phone, and the reply back", async () => {
    const user = uniqueUser("two-devices");
    const laptop = await openShop(await newDevice(browser), server.url, user, "Alice");
    const phone = await openShop(await newDevice(browser, { width: 390, height: 844 }), server.url, user, "Alice", "/phone");
    await signIn(laptop);
    await signIn(phone);
    await openChat(laptop);
    await openChat(phone);
    await expect.poll(() => widget(laptop).greeting.textContent()).toBe("Hi Alice, how can we help?");

    const laptopId = await laptop.evaluate(() => window.Carryover?.conversationId);
    expect(await phone.evaluate(() => window.Carryover?.conversationId)).toBe(laptopId);

    await sendText(laptop, "Is my bike ready?");
    await widget(phone).bubble("Is my bike ready?").waitFor();
    await sendText(phone, "Sent from my phone");
    await widget(laptop).bubble("Sent from my phone").waitFor();

    expect(await customerTexts(server.url, laptopId!)).toEqual(["Is my bike ready?", "Sent from my phone"]);
    await expect.poll(() => widget(laptop).bubble("Is my bike ready?").count()).toBe(1);
    await expect.poll(() => widget(phone).bubble("Is my bike ready?").getAttribute("data-state")).toBe("sent");
  });
});
