// Tapping a quick reply or a postback button sends a postback the business
// sees through the events API.
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { LocalServer } from "../support/server";
import { conversationIdOf, eventsOf, newDevice, openChat, openShop, sendAsBot, sendText, signIn, uniqueUser, useServerAndBrowser, widget } from "./browser";

let server: LocalServer;
let browser: Browser;

useServerAndBrowser((s, b) => {
  server = s;
  browser = b;
});

async function postbacks(id: string) {
  return (await eventsOf(server.url, id)).flatMap((e) =>
    e.type === "message.created" && e.content.type === "postback" ? [{ sender: e.sender.role, content: e.content }] : [],
  );
}

describe("quick replies and postback buttons", () => {
  it("keep the newest message in view: the chips appear under a log scrolled to its end", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("quickview"));
    await openChat(page);
    await sendText(page, "Hello");
    const id = await conversationIdOf(page);
    const w = widget(page);
    // Enough messages to fill the log, then one with quick replies.
    for (let i = 1; i <= 12; i++) await sendAsBot(server.url, id, { type: "text", text: `Line ${i} of a long answer` });
    await w.bubble("Line 12 of a long answer").waitFor();
    await sendAsBot(server.url, id, { type: "text", text: "Anything else?", quickReplies: [{ title: "Yes", payload: "YES" }, { title: "No", payload: "NO" }] });
    await w.host.getByRole("group", { name: "Suggested replies" }).waitFor();
    await expect.poll(() => w.log.evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight)).toBeLessThan(2);
    expect(await w.bubble("Anything else?").isVisible()).toBe(true);
  });

  it("arrive as postback content and the chips go away", async () => {
    const page = await openShop(await newDevice(browser), server.url, uniqueUser("quick"));
    await signIn(page);
    await openChat(page);
    await sendText(page, "I need help");
    const id = await conversationIdOf(page);
    const w = widget(page);

    await sendAsBot(server.url, id, {
      type: "text",
      text: "What about?",
      quickReplies: [{ title: "Track my order", payload: "TRACK_ORDER" }, { title: "Book a repair", payload: "BOOK_REPAIR" }],
    });
    const group = w.host.getByRole("group", { name: "Suggested replies" });
    await group.getByRole("button", { name: "Book a repair" }).click();
    await expect.poll(() => postbacks(id)).toEqual([{ sender: "customer", content: { type: "postback", payload: "BOOK_REPAIR", title: "Book a repair" } }]);
    await w.bubble("Book a repair").waitFor();
    await expect.poll(() => group.count()).toBe(0);

    await sendAsBot(server.url, id, { type: "buttons", text: "When?", buttons: [{ type: "postback", title: "Tomorrow", payload: "DAY_1" }] });
    await w.host.getByRole("button", { name: "Tomorrow" }).click();
    await expect.poll(async () => (await postbacks(id)).map((p) => p.content.payload)).toEqual(["BOOK_REPAIR", "DAY_1"]);
  });
});
