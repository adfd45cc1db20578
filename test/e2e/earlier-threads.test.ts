// Several threads, one person: a person who chatted as a guest on two devices
// and signed in on both holds two threads; the widget shows the current one
// and lists the other under "Earlier conversations", where it opens.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { newDevice, openChat, openShop, resultsPath, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function post<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A guest with a thread and one message, then merged into `userId` (as signing in on that device does). */
async function guestThreadMergedInto(userId: string, text: string): Promise<string> {
  const guest = await post<{ sessionToken: string; guestToken: string }>("/v1/sessions", { tenant: "demo" });
  const { conversation } = await post<{ conversation: { id: string } }>("/v1/conversations", {}, guest.sessionToken);
  await post(`/v1/conversations/${conversation.id}/messages`, { clientId: crypto.randomUUID(), content: { type: "text", text } }, guest.sessionToken);
  const { token } = await post<{ token: string }>("/demo/token", { sub: userId, name: "Pat" });
  await post("/v1/sessions", { tenant: "demo", identityToken: token, guestToken: guest.guestToken });
  return conversation.id;
}

describe("earlier conversations", () => {
  it("lists the person's other thread and opens it", async () => {
    const userId = uniqueUser("threads");
    const phoneThread = await guestThreadMergedInto(userId, "asked on the phone");
    await new Promise((r) => setTimeout(r, 50));
    const laptopThread = await guestThreadMergedInto(userId, "asked on the laptop");

    const page = await openShop(await newDevice(browser), server.url, userId, "Pat");
    await signIn(page);
    await openChat(page);
    const w = widget(page);
    await w.bubble("asked on the laptop").waitFor();
    expect(await page.evaluate(() => window.Carryover?.conversationId)).toBe(laptopThread);

    const earlier = w.host.getByRole("button", { name: "Earlier conversations (1)" });
    await earlier.click();
    const item = w.host.locator(".thread", { hasText: "asked on the phone" });
    await item.waitFor();
    await page.screenshot({ path: resultsPath("earlier-conversations.png") });
    await item.click();
    await w.bubble("asked on the phone").waitFor();
    expect(await page.evaluate(() => window.Carryover?.conversationId)).toBe(phoneThread);
    // And back: the laptop thread is now the earlier one, one click away.
    await w.host.getByRole("button", { name: "Earlier conversations (1)" }).click();
    await w.host.locator(".thread", { hasText: "asked on the laptop" }).waitFor();
  });
});
