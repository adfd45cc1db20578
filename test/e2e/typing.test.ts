// Typing in the widget, both ways: the visitor's keystrokes reach the business
// as "typing on" and sending ends it; the business's typing shows as
// "<name> is typing…" in the widget until its "off".
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { BEARER_PREFIX, LIVE_PROTOCOL } from "../../src/protocol/wire";
import type { LocalServer } from "../support/server";
import { ADMIN_KEY, conversationIdOf, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

type Frame = { type: string; state?: string; sender?: { role: string } };

/** A business socket on the conversation (the demo bot key), with every frame it receives. */
async function businessSocket(id: string): Promise<{ socket: WebSocket; frames: Frame[] }> {
  const frames: Frame[] = [];
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/v1/conversations/${id}/live`, [LIVE_PROTOCOL, `${BEARER_PREFIX}${ADMIN_KEY}`]);
  socket.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as Frame));
  await expect.poll(() => frames.some((f) => f.type === "ready")).toBe(true);
  return { socket, frames };
}

const customerTyping = (frames: Frame[]) => frames.filter((f) => f.type === "typing" && f.sender?.role === "customer").map((f) => f.state);

describe("typing in the widget", () => {
  it("tells the business while the visitor types, stops on send, and shows the business typing", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("typing"));
    await signIn(page);
    await openChat(page);
    await sendText(page, "Hello");
    const id = await conversationIdOf(page);
    const w = widget(page);
    const business = await businessSocket(id);
    // A reply shown in the widget: its live connection is up.
    await sendAsBot(server.url, id, { type: "text", text: "Hi, how can we help?" });
    await w.bubble("Hi, how can we help?").waitFor();

    await w.input.pressSequentially("Where is");
    await expect.poll(() => customerTyping(business.frames), { timeout: 10_000 }).toEqual(["on"]);
    await w.input.press("Enter");
    await expect.poll(() => customerTyping(business.frames), { timeout: 10_000 }).toEqual(["on", "off"]);
    await w.bubble("Where is").waitFor();

    const line = w.host.locator(".typing");
    business.socket.send(JSON.stringify({ type: "typing", state: "on", sender: { role: "agent", id: "agent-1", name: "Sam" } }));
    await expect.poll(() => line.textContent(), { timeout: 10_000 }).toBe("Sam is typing…");
    business.socket.send(JSON.stringify({ type: "typing", state: "off" }));
    // Well before the line's own timeout (TYPING_SHOWN_MS, 8 s): the "off" clears it.
    await expect.poll(() => line.textContent(), { timeout: 5_000 }).toBe("");
    business.socket.close();
  });
});
