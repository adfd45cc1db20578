// Browser-test support: Debian's Chromium through playwright-core (never a
// downloaded browser), the demo shop page as the host site, and the Send API
// as the business side.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { startServer, type LocalServer } from "../support/server";
import type { Content } from "../../src/protocol/content";
import type { Event } from "../../src/protocol/event";

export const ROOT = resolve(import.meta.dirname, "../..");
export const RESULTS = join(ROOT, "test-results");
export const BOT_KEY = "ck_demo_bot_change_me_0123456789abcdef";
/** The demo tenant's admin-role key: it may act as an agent (a bot-role key only as a bot). */
export const ADMIN_KEY = "ck_demo_admin_change_me_0123456789abcdef";

/** `npm test` builds first (pretest); a direct vitest run builds here when needed. */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, "dist/public/widget.js"))) return;
  execFileSync(process.execPath, [join(ROOT, "src/dev/build.mjs")], { cwd: ROOT, stdio: "inherit" });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * A real server (carryover/testing, test/support/server.ts) and Chromium for one test file: started
 * before its tests, handed to `ready`, stopped after them.
 */
export function useServerAndBrowser(ready: (server: LocalServer, browser: Browser) => void): void {
  let server: LocalServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensureBuilt();
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    ready(server, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
}

export function resultsPath(name: string): string {
  mkdirSync(RESULTS, { recursive: true });
  return join(RESULTS, name);
}

export function uniqueUser(prefix = "e2e"): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** A new device: its own context (storage, cookies), a desktop viewport unless given. */
export function newDevice(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  return browser.newContext({ viewport });
}

/** Opens the demo shop as `user` (default: a guest who can sign in as that user). */
export async function openShop(context: BrowserContext, baseUrl: string, user: string, name = "Alice", path = "/site"): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}${path}?user=${encodeURIComponent(user)}&name=${encodeURIComponent(name)}`);
  await page.waitForFunction(() => window.Carryover !== undefined);
  return page;
}

/** The widget's parts; playwright's CSS locators pierce its open shadow root. */
export function widget(page: Page | FrameLocator) {
  const host = page.locator("carryover-chat");
  return {
    host,
    launcher: host.locator("button.launcher"),
    panel: host.locator(".panel"),
    log: host.locator("[role=log]"),
    input: host.getByRole("textbox", { name: "Message" }),
    send: host.getByRole("button", { name: "Send", exact: true }),
    greeting: host.locator(".greeting"),
    bubble: (text: string | RegExp): Locator => host.locator(".msg").filter({ hasText: text }),
  };
}

export async function signIn(page: Page): Promise<void> {
  await page.getByRole("button", { name: /^Sign in as/ }).click();
  await expect.poll(() => page.evaluate(() => window.Carryover?.user?.guest)).toBe(false);
}

export async function openChat(page: Page): Promise<void> {
  const w = widget(page);
  await w.launcher.click();
  await w.input.waitFor();
  await expect.poll(() => page.evaluate(() => window.Carryover?.conversationId ?? null)).not.toBeNull();
}

export async function sendText(page: Page, text: string): Promise<void> {
  const w = widget(page);
  await w.input.fill(text);
  await w.send.click();
}

export async function conversationIdOf(page: Page): Promise<string> {
  const id = await page.evaluate(() => window.Carryover?.conversationId ?? null);
  if (!id) throw new Error("the widget has no conversation yet");
  return id;
}

/** The business side: post into a conversation with the demo bot key. */
export async function sendAsBot(baseUrl: string, conversationId: string, content: Content): Promise<Response> {
  return fetch(`${baseUrl}/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOT_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ clientId: `bot-${crypto.randomUUID()}`, content, sender: { role: "bot", id: "e2e-bot", name: "Shop bot" } }),
  });
}

/** Every event of a conversation, read with the bot key. */
export async function eventsOf(baseUrl: string, conversationId: string): Promise<Event[]> {
  const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}/events?after=0&limit=500`, {
    headers: { authorization: `Bearer ${BOT_KEY}` },
  });
  if (!res.ok) throw new Error(`events: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { events: Event[] }).events;
}

/** Texts of the customer's messages in the log, in order. */
export async function customerTexts(baseUrl: string, conversationId: string): Promise<string[]> {
  return (await eventsOf(baseUrl, conversationId)).flatMap((e) =>
    e.type === "message.created" && e.sender.role === "customer" && e.content.type === "text" ? [e.content.text] : [],
  );
}
