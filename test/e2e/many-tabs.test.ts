// Many tabs, one customer: two tabs of one site share the session, so a
// sign-in (which merges the guest) or a sign-out in one tab reaches the other
// as a normal state change: no raw code, nothing stuck at "Sending…".
import type { Browser, BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, customerTexts, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

const RAW = /token_revoked|invalid_token|signed_out|4008/;

async function sent(page: Page, text: string): Promise<void> {
  const w = widget(page);
  await w.bubble(text).and(w.host.locator("[data-state=sent]")).waitFor();
}

/**
 * Records, in every tab of `context` (install before opening them), what
 * happens to the stored session and the live sockets: each write or removal
 * of a `…:session` key (a removal with the SDK's call stack), each `storage`
 * event for it, each socket opened and each close code. A rare failure of
 * the test below then says which tab dropped the session, and why.
 */
async function traceSessions(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const trace: string[] = [];
    (window as unknown as { __sessionTrace: string[] }).__sessionTrace = trace;
    const note = (what: string) => trace.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
    const userOf = (v: string | null) => {
      try {
        return (JSON.parse(v ?? "null") as { user?: { id?: string } } | null)?.user?.id ?? null;
      } catch {
        return "unreadable";
      }
    };
    const { setItem, removeItem } = Storage.prototype;
    Storage.prototype.setItem = function (key: string, value: string) {
      if (key.endsWith(":session")) note(`set user=${userOf(value)}`);
      return setItem.call(this, key, value);
    };
    Storage.prototype.removeItem = function (key: string) {
      if (key.endsWith(":session")) note(`REMOVE by ${(new Error().stack ?? "").split("\n").slice(2, 9).map((l) => l.trim()).join(" < ")}`);
      return removeItem.call(this, key);
    };
    addEventListener("storage", (e) => {
      if (e.key === null || e.key.endsWith(":session")) note(`storage event user=${userOf(e.newValue)}`);
    });
    const Native = WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        note(`ws open ${String(url).replace(/^.*\/conversations\//, "").slice(0, 40)}`);
        this.addEventListener("close", (e) => note(`ws close ${e.code} ${e.reason}`));
      }
    };
  });
}

/** Runs `step`; when it fails, the error carries each tab's person, stored session, status line and trace (traceSessions). */
async function explained(tabs: Record<string, Page>, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (err) {
    const held = await Promise.all(
      Object.entries(tabs).map(async ([name, page]) => {
        const state = await page
          .evaluate(() => ({
            user: window.Carryover?.user ?? null,
            status: document.querySelector("carryover-chat")?.shadowRoot?.querySelector(".status")?.textContent ?? null,
            trace: (window as unknown as { __sessionTrace?: string[] }).__sessionTrace ?? [],
          }))
          .catch((e: unknown) => ({ unreadable: String(e) }));
        return `tab ${name}: ${JSON.stringify(state, null, 1)}`;
      }),
    );
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${held.join("\n")}`);
  }
}

describe("two tabs of one site", () => {
  it("sign in from one tab, send from the other", async () => {
    const user = uniqueUser("tabs");
    const context = await newDevice(browser);
    await traceSessions(context);
    const tabA = await openShop(context, server.url, user, "Tess");
    const tabB = await openShop(context, server.url, user, "Tess");
    const tabs = { A: tabA, B: tabB };
    await openChat(tabB);
    await sendText(tabB, "from B as a guest");
    await sent(tabB, "from B as a guest");
    const guestId = await tabB.evaluate(() => window.Carryover?.user?.id);
    expect(await tabA.evaluate(() => window.Carryover?.user?.id)).toBe(guestId); // one session for both tabs

    await explained(tabs, () => signIn(tabA));
    // Tab B follows: the same person, without being told anything.
    await explained(tabs, () => expect.poll(() => tabB.evaluate(() => window.Carryover?.user?.id)).toBe(user));
    await sendText(tabB, "from B after the sign-in");
    await sent(tabB, "from B after the sign-in");
    expect(await widget(tabB).host.locator("[data-state=pending]").count()).toBe(0);
    expect((await widget(tabB).panel.textContent()) ?? "").not.toMatch(RAW);
    expect(await widget(tabB).host.locator(".status").isHidden()).toBe(true);

    const id = await conversationIdOf(tabB);
    expect(await customerTexts(server.url, id)).toEqual(["from B as a guest", "from B after the sign-in"]);
    await openChat(tabA);
    await widget(tabA).bubble("from B after the sign-in").waitFor();
  });

  it("sign out in one tab: the other tab follows to the new guest, quietly", async () => {
    const user = uniqueUser("tabs-out");
    const context = await newDevice(browser);
    const tabA = await openShop(context, server.url, user, "Uma");
    await signIn(tabA);
    const tabB = await openShop(context, server.url, user, "Uma");
    await openChat(tabB);
    await expect.poll(() => tabB.evaluate(() => window.Carryover?.user?.id)).toBe(user);
    await sendText(tabB, "as the person");
    await sent(tabB, "as the person");

    await tabA.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => tabB.evaluate(() => window.Carryover?.user?.guest ?? null)).toBe(true);
    const guest = await tabB.evaluate(() => window.Carryover?.user?.id);
    expect(await tabA.evaluate(() => window.Carryover?.user?.id)).toBe(guest);
    await expect.poll(() => widget(tabB).host.locator(".msg").count()).toBe(0);
    await sendText(tabB, "as the new guest");
    await sent(tabB, "as the new guest");
    expect((await widget(tabB).panel.textContent()) ?? "").not.toMatch(RAW);
  });

  it("the tabs share one live connection; when the leader tab closes, another takes it over", async () => {
    const user = uniqueUser("leader");
    const context = await newDevice(browser);
    const sockets = new Map<Page, number>();
    const track = (page: Page) => {
      sockets.set(page, 0);
      page.on("websocket", (ws) => {
        if (ws.url().includes("/live")) sockets.set(page, (sockets.get(page) ?? 0) + 1);
      });
    };
    const tabA = await context.newPage();
    track(tabA);
    await tabA.goto(`${server.url}/site?user=${user}&name=Lee`);
    await openChat(tabA);
    await sendText(tabA, "from the first tab");
    await sent(tabA, "from the first tab");
    const tabB = await context.newPage();
    track(tabB);
    await tabB.goto(`${server.url}/site?user=${user}&name=Lee`);
    await openChat(tabB);
    await widget(tabB).bubble("from the first tab").waitFor();
    const id = await conversationIdOf(tabA);
    expect(await conversationIdOf(tabB)).toBe(id);

    // Live updates reach both tabs through the first tab's one socket.
    expect((await sendAsBot(server.url, id, { type: "text", text: "hello both tabs" })).status).toBe(201);
    await widget(tabA).bubble("hello both tabs").waitFor();
    await widget(tabB).bubble("hello both tabs").waitFor();
    await sendText(tabB, "from the second tab");
    await sent(tabB, "from the second tab");
    await widget(tabA).bubble("from the second tab").waitFor();
    expect(sockets.get(tabA)).toBe(1);
    expect(sockets.get(tabB)).toBe(0);

    // The leader tab goes: the second tab opens the socket and stays live.
    await tabA.close();
    await expect.poll(() => sockets.get(tabB)).toBe(1);
    expect((await sendAsBot(server.url, id, { type: "text", text: "after the first tab closed" })).status).toBe(201);
    await widget(tabB).bubble("after the first tab closed").waitFor();
    expect(await customerTexts(server.url, id)).toEqual(["from the first tab", "from the second tab"]);
  });
});
