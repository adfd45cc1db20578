// The mapping rules of Carryover content to Messenger and WhatsApp message
// bodies (limits met by rules, never by failing), the 24-hour window, and
// how platform answers are classified.
import { describe, expect, it } from "vitest";
import type { Content } from "../../../src/protocol/content";
import { toMessenger } from "../../../src/channels/map-messenger";
import { payloadOfReplyId, toWhatsApp } from "../../../src/channels/map-whatsapp";
import { classify, platformRequests } from "../../../src/channels/send";
import { codePoints, truncate } from "../../../src/channels/text";

const qr = (n: number) => Array.from({ length: n }, (_, i) => ({ title: `Option number ${i + 1} is long`, payload: `P${i + 1}` }));

describe("truncation", () => {
  it("counts code points, never splits a surrogate pair, and ends in an ellipsis", () => {
    expect(truncate("short", 20)).toBe("short");
    expect(truncate("exactly twenty chars", 20)).toBe("exactly twenty chars");
    const emoji = "🚲".repeat(30);
    const cut = truncate(emoji, 20);
    expect(codePoints(cut)).toBe(20);
    expect(cut).toBe(`${"🚲".repeat(19)}…`);
    expect(truncate("Talk to a real person right now", 20)).toBe("Talk to a real pers…");
  });
});

describe("Messenger mapping", () => {
  it("text: ≤ 2000 code points, ≤ 13 quick replies with titles ≤ 20", () => {
    const [m] = toMessenger({ type: "text", text: "x".repeat(4096), quickReplies: qr(13) });
    expect(m).toMatchObject({ text: `${"x".repeat(1999)}…` });
    const replies = (m as { quick_replies: { title: string; payload: string; content_type: string }[] }).quick_replies;
    expect(replies).toHaveLength(13);
    expect(replies[0]).toEqual({ content_type: "text", title: "Option number 1 is…", payload: "P1" });
    expect(toMessenger({ type: "text", text: "hi" })).toEqual([{ text: "hi" }]);
  });

  it("buttons: a button template (text ≤ 640); share dropped, pay a postback, only share → text", () => {
    const [m] = toMessenger({
      type: "buttons",
      text: "y".repeat(700),
      buttons: [
        { type: "url", title: "Continue on our website", url: "https://shop.example/?handoff=x" },
        { type: "share" },
        { type: "pay", title: "Pay", requestId: "pr_1" },
      ],
    });
    expect(m).toEqual({
      attachment: {
        type: "template",
        payload: {
          template_type: "button",
          text: `${"y".repeat(639)}…`,
          buttons: [
            { type: "web_url", url: "https://shop.example/?handoff=x", title: "Continue on our web…" },
            { type: "postback", title: "Pay", payload: "carryover:pay:pr_1" },
          ],
        },
      },
    });
    expect(toMessenger({ type: "buttons", text: "Share us", buttons: [{ type: "share" }] })).toEqual([{ text: "Share us" }]);
  });

  it("cards: a generic template, titles and subtitles ≤ 80", () => {
    const cards = Array.from({ length: 10 }, (_, i) => ({ title: `${"T".repeat(80)}${i}`, subtitle: "s".repeat(160), imageUrl: `https://img.example/${i}.jpg` }));
    const [m] = toMessenger({ type: "cards", cards } as Content);
    const elements = (m as { attachment: { payload: { elements: { title: string; subtitle: string; image_url: string }[] } } }).attachment.payload.elements;
    expect(elements).toHaveLength(10);
    expect(codePoints(elements[0]!.title)).toBe(80);
    expect(elements[0]!.title.endsWith("…")).toBe(true);
    expect(codePoints(elements[9]!.subtitle)).toBe(80);
    expect(elements[3]!.image_url).toBe("https://img.example/3.jpg");
  });

  it("media: an attachment by URL, caption and buttons after it; gif as image; attachment ids as text", () => {
    expect(toMessenger({ type: "media", mediaType: "gif", url: "https://img.example/a.gif", caption: "Look" })).toEqual([
      { attachment: { type: "image", payload: { url: "https://img.example/a.gif", is_reusable: true } } },
      { text: "Look" },
    ]);
    expect(
      toMessenger({ type: "media", mediaType: "file", url: "https://files.example/c.pdf", buttons: [{ type: "postback", title: "Book", payload: "BOOK" }] }),
    ).toEqual([
      { attachment: { type: "file", payload: { url: "https://files.example/c.pdf", is_reusable: true } } },
      { attachment: { type: "template", payload: { template_type: "button", text: "Options", buttons: [{ type: "postback", title: "Book", payload: "BOOK" }] } } },
    ]);
    expect(toMessenger({ type: "media", mediaType: "image", attachmentId: "att_1", caption: "wheel" })).toEqual([{ text: "[image] wheel" }]);
  });

  it("receipt: the receipt template; payment requests: a Pay now button, then text once settled", () => {
    expect(toMessenger({ type: "receipt", orderId: "A-1042", currency: "EUR", total: 929, items: [{ title: "Roadster 7", quantity: 1, price: 899 }] }, "Alice")).toEqual([
      {
        attachment: {
          type: "template",
          payload: {
            template_type: "receipt",
            recipient_name: "Alice",
            order_number: "A-1042",
            currency: "EUR",
            payment_method: "Other",
            summary: { total_cost: 929 },
            elements: [{ title: "Roadster 7", quantity: 1, price: 899, currency: "EUR" }],
          },
        },
      },
    ]);
    const request = { type: "payment_request", requestId: "pr_1", amount: 49.5, currency: "EUR", description: "Repair deposit", payUrl: "https://pay.example/1" } as const;
    expect(toMessenger({ ...request, status: "pending" })).toEqual([
      { attachment: { type: "template", payload: { template_type: "button", text: "Repair deposit\n49.50 EUR", buttons: [{ type: "web_url", url: "https://pay.example/1", title: "Pay now" }] } } },
    ]);
    expect(toMessenger({ ...request, status: "paid" })).toEqual([{ text: "Repair deposit\n49.50 EUR: paid" }]);
    expect(toMessenger({ type: "postback", title: "Yes", payload: "Y" })).toEqual([{ text: "Yes" }]);
  });
});

describe("WhatsApp mapping", () => {
  it("text ≤ 4096; quick replies: ≤ 3 reply buttons, ≤ 10 a list, more as text lines", () => {
    expect(toWhatsApp({ type: "text", text: "z".repeat(5000) })).toEqual([{ type: "text", text: { body: `${"z".repeat(4095)}…`, preview_url: false } }]);
    const [buttons] = toWhatsApp({ type: "text", text: "Pick", quickReplies: qr(2) });
    expect(buttons).toEqual({
      type: "interactive",
      interactive: {
        type: "button",
        body: { text: "Pick" },
        action: { buttons: [{ type: "reply", reply: { id: "P1", title: "Option number 1 is…" } }, { type: "reply", reply: { id: "P2", title: "Option number 2 is…" } }] },
      },
    });
    const [list] = toWhatsApp({ type: "text", text: "Pick", quickReplies: qr(5) });
    expect(list).toMatchObject({ type: "interactive", interactive: { type: "list", body: { text: "Pick" }, action: { button: "Options" } } });
    const rows = (list as { interactive: { action: { sections: { rows: { id: string; title: string }[] }[] } } }).interactive.action.sections[0]!.rows;
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ id: "P1", title: "Option number 1 is long" });
    const [overflow] = toWhatsApp({ type: "text", text: "Pick", quickReplies: qr(12) });
    const body = (overflow as { interactive: { body: { text: string }; action: { sections: { rows: unknown[] }[] } } }).interactive;
    expect(body.action.sections[0]!.rows).toHaveLength(10);
    expect(body.body.text).toBe("Pick\n• Option number 11 is long\n• Option number 12 is long");
  });

  it("a body over 1024 goes first as text, the choices follow", () => {
    const messages = toWhatsApp({ type: "text", text: "w".repeat(2000), quickReplies: qr(1) });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({ type: "text", text: { body: "w".repeat(2000), preview_url: false } });
    expect(messages[1]).toMatchObject({ type: "interactive", interactive: { type: "button", body: { text: "Choose an option:" } } });
  });

  it("buttons: one URL alone → cta_url; mixed → reply buttons with URLs as lines", () => {
    expect(toWhatsApp({ type: "buttons", text: "Continue there", buttons: [{ type: "url", title: "Continue on our website", url: "https://shop.example/x" }] })).toEqual([
      {
        type: "interactive",
        interactive: { type: "cta_url", body: { text: "Continue there" }, action: { name: "cta_url", parameters: { display_text: "Continue on our web…", url: "https://shop.example/x" } } },
      },
    ]);
    const [mixed] = toWhatsApp({
      type: "buttons",
      text: "What now?",
      buttons: [
        { type: "url", title: "Site", url: "https://shop.example" },
        { type: "postback", title: "Agent", payload: "HUMAN" },
      ],
    });
    expect(mixed).toEqual({
      type: "interactive",
      interactive: { type: "button", body: { text: "What now?\nSite: https://shop.example" }, action: { buttons: [{ type: "reply", reply: { id: "HUMAN", title: "Agent" } }] } },
    });
  });

  it("media by link with caption; buttons → media header; audio caption after; gif as document", () => {
    expect(toWhatsApp({ type: "media", mediaType: "image", url: "https://img.example/a.jpg", caption: "New" })).toEqual([{ type: "image", image: { link: "https://img.example/a.jpg", caption: "New" } }]);
    expect(toWhatsApp({ type: "media", mediaType: "image", url: "https://img.example/a.jpg", buttons: [{ type: "postback", title: "Reserve", payload: "R" }] })).toEqual([
      {
        type: "interactive",
        interactive: {
          type: "button",
          header: { type: "image", image: { link: "https://img.example/a.jpg" } },
          body: { text: "Options" },
          action: { buttons: [{ type: "reply", reply: { id: "R", title: "Reserve" } }] },
        },
      },
    ]);
    expect(toWhatsApp({ type: "media", mediaType: "audio", url: "https://a.example/v.mp3", caption: "voice" })).toEqual([
      { type: "audio", audio: { link: "https://a.example/v.mp3" } },
      { type: "text", text: { body: "voice", preview_url: false } },
    ]);
    expect(toWhatsApp({ type: "media", mediaType: "gif", url: "https://img.example/a.gif" })).toEqual([{ type: "document", document: { link: "https://img.example/a.gif" } }]);
  });

  it("cards, receipts and payment requests as text, lists and cta_url", () => {
    const [cards, choices] = toWhatsApp({
      type: "cards",
      cards: [
        { title: "Roadster 7", subtitle: "€ 899", buttons: [{ type: "url", title: "View", url: "https://shop.example/r" }, { type: "postback", title: "Reserve", payload: "R7" }] },
        { title: "Cargo One", buttons: [{ type: "postback", title: "Reserve", payload: "C1" }] },
      ],
    });
    expect(choices).toBeUndefined();
    expect(cards).toEqual({
      type: "interactive",
      interactive: {
        type: "button",
        body: { text: "*Roadster 7*\n€ 899\nView: https://shop.example/r\n\n*Cargo One*" },
        // Two "Reserve"s: WhatsApp wants button titles unique, so each is led by its card.
        action: { buttons: [{ type: "reply", reply: { id: "R7", title: "Roadster 7: Reserve" } }, { type: "reply", reply: { id: "C1", title: "Cargo One: Reserve" } }] },
      },
    });
    expect(toWhatsApp({ type: "receipt", orderId: "A-1", currency: "EUR", total: 30, items: [{ title: "Bell", quantity: 2, price: 15 }] })).toEqual([
      { type: "text", text: { body: "Order A-1\n2 × Bell: 15 EUR\nTotal: 30 EUR", preview_url: false } },
    ]);
    expect(toWhatsApp({ type: "payment_request", requestId: "p", amount: 49, currency: "EUR", description: "Deposit", payUrl: "https://pay.example/p", status: "pending" })).toEqual([
      { type: "interactive", interactive: { type: "cta_url", body: { text: "Deposit\n49 EUR" }, action: { name: "cta_url", parameters: { display_text: "Pay now", url: "https://pay.example/p" } } } },
    ]);
  });
});

describe("WhatsApp options stay unique within a message", () => {
  type Row = { id: string; title: string; description?: string };
  const rowsOf = (m: unknown) => (m as { interactive: { action: { sections: { rows: Row[] }[] } } }).interactive.action.sections[0]!.rows;
  const buttonsOf = (m: unknown) => (m as { interactive: { action: { buttons: { reply: { id: string; title: string } }[] } } }).interactive.action.buttons.map((b) => b.reply);

  it("titles alike once cut, or alike but for case, are numbered; ids used twice are marked and read back", () => {
    const [m] = toWhatsApp({
      type: "text",
      text: "When?",
      quickReplies: [
        { title: "Talk to a real person now", payload: "HUMAN" },
        { title: "Talk to a real person later", payload: "HUMAN" },
        { title: "talk to a real person now", payload: "carryover:dup:7:X" },
      ],
    });
    expect(buttonsOf(m)).toEqual([
      { id: "HUMAN", title: "Talk to a real… (1)" },
      { id: "carryover:dup:2:HUMAN", title: "Talk to a real… (2)" },
      { id: "carryover:dup:1:carryover:dup:7:X", title: "talk to a real… (3)" },
    ]);
    for (const b of buttonsOf(m)) expect(codePoints(b.title)).toBeLessThanOrEqual(20);
    expect(buttonsOf(m).map((b) => payloadOfReplyId(b.id))).toEqual(["HUMAN", "HUMAN", "carryover:dup:7:X"]);
  });

  it("payloads cut to the same prefix get distinct ids within the limit", () => {
    const long = "P".repeat(300);
    const rows = rowsOf(toWhatsApp({ type: "text", text: "Pick", quickReplies: [1, 2, 3, 4].map((i) => ({ title: `T${i}`, payload: `${long}${i}` })) })[0]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(4);
    for (const r of rows) expect(codePoints(r.id)).toBeLessThanOrEqual(200);
  });

  it("a list of card buttons alike: rows led by the card, which then needs no description", () => {
    const cards = ["Red bike", "Blue bike", "Green bike", "Cargo One"].map((title, i) => ({ title, buttons: [{ type: "postback" as const, title: "Buy", payload: `BUY_${i}` }] }));
    cards[3]!.buttons.push({ type: "postback", title: "Details", payload: "DETAILS" });
    expect(rowsOf(toWhatsApp({ type: "cards", cards })[0])).toEqual([
      { id: "BUY_0", title: "Red bike: Buy" },
      { id: "BUY_1", title: "Blue bike: Buy" },
      { id: "BUY_2", title: "Green bike: Buy" },
      { id: "BUY_3", title: "Cargo One: Buy" },
      { id: "DETAILS", title: "Details", description: "Cargo One" },
    ]);
  });
});

describe("Messenger's 24-hour window", () => {
  const config = { kind: "messenger" as const, accountId: "123" };
  const now = Date.parse("2026-11-30T12:00:00Z");
  const hours = (h: number) => now - h * 3600_000;
  const plan = (lastInboundAt: number | null, role: "bot" | "agent") =>
    platformRequests("https://graph.example/v23.0", config, { id: "42", lastInboundAt }, { type: "text", text: "hi" }, { role }, now);

  it("inside: RESPONSE for everyone; after it: HUMAN_AGENT for agents up to 7 days, bots refused", () => {
    expect(plan(hours(23), "bot")).toEqual({
      requests: [{ url: "https://graph.example/v23.0/123/messages", body: { recipient: { id: "42" }, messaging_type: "RESPONSE", message: { text: "hi" } } }],
    });
    expect(plan(hours(25), "agent")).toMatchObject({ requests: [{ body: { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" } }] });
    expect(plan(hours(25), "bot")).toMatchObject({ refused: expect.stringContaining("24-hour") });
    expect(plan(hours(24 * 8), "agent")).toMatchObject({ refused: expect.stringContaining("7-day") });
    expect(plan(null, "bot")).toHaveProperty("refused");
  });
});

describe("platform answers", () => {
  it("are ok, retryable or permanent", () => {
    expect(classify(200, JSON.stringify({ recipient_id: "1", message_id: "m_1" }), null)).toEqual({ kind: "ok", messageId: "m_1", status: 200 });
    expect(classify(200, JSON.stringify({ messages: [{ id: "wamid.1" }] }), null)).toMatchObject({ kind: "ok", messageId: "wamid.1" });
    expect(classify(500, "oops", null)).toMatchObject({ kind: "retryable", status: 500 });
    expect(classify(429, "", "30")).toMatchObject({ kind: "retryable", retryAfterS: 30 });
    for (const code of [4, 17, 32, 613, 130429, 131056, 2, 131016]) {
      expect(classify(400, JSON.stringify({ error: { code, message: "x" } }), null).kind).toBe("retryable");
    }
    expect(classify(400, JSON.stringify({ error: { code: 190, error_subcode: 463, message: "Session has expired" } }), null)).toMatchObject({
      kind: "permanent",
      error: expect.stringContaining("code 190/463"),
    });
    expect(classify(400, JSON.stringify({ error: { code: 100, message: "Invalid parameter" } }), null).kind).toBe("permanent");
    expect(classify(400, JSON.stringify({ error: { code: 131047, message: "Re-engagement message" } }), null).kind).toBe("permanent");
  });
});
