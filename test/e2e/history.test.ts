// A long thread on a new device: the latest page first, earlier messages on request.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

describe("history on a new device", () => {
  it("shows the latest messages and loads earlier ones on request", async () => {
    const user = uniqueUser("history");
    const first = await openShop(await newDevice(browser), server.url, user);
    await signIn(first);
    await openChat(first);
    await sendText(first, "message zero");
    const id = await conversationIdOf(first);
    for (let i = 1; i <= 70; i++) expect((await sendAsBot(server.url, id, { type: "text", text: `update ${i}` })).status).toBe(201);

    const second = await openShop(await newDevice(browser), server.url, user);
    await signIn(second);
    await openChat(second);
    const w = widget(second);
    await w.bubble("update 70").waitFor();
    expect(await w.bubble("message zero").count()).toBe(0);
    const older = w.host.getByRole("button", { name: "Show earlier messages" });
    await older.click();
    await w.bubble("message zero").waitFor();
    expect(await older.isVisible()).toBe(false);
    expect(await w.host.locator(".msg").count()).toBe(71);
  });
});
