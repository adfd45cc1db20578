// Every rule of the Content union at the edge: limits, safe URLs, who may send
// what, and the body rules (413, 415, malformed JSON).
import { beforeAll, describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, uniqueUser } from "./helpers";
import { png, uploaded } from "./attachment-files";

let customer = "";
let conversation = "";
let n = 0;

beforeAll(async () => {
  const s = await openSession(uniqueUser());
  customer = s.sessionToken;
  conversation = await openConversation(customer);
});

function post(token: string, content: unknown, extra: Record<string, unknown> = {}): Promise<Response> {
  return api(`/v1/conversations/${conversation}/messages`, {
    method: "POST",
    token,
    json: { clientId: `v${n++}`, content, ...extra },
  });
}
const asBot = (content: unknown) => post(BOT_KEY, content, { sender: { role: "bot", id: "validator", name: "Val" } });

async function expectInvalid(res: Response, path: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const problem = await json<{ code: string; errors: { path: string; message: string }[] }>(res);
  expect(problem.code).toBe("invalid_request");
  expect(problem.errors.map((e) => e.path)).toContain(path);
}

const url = (u: string) => ({ type: "url", title: "Open", url: u });
const postback = (i: number) => ({ type: "postback", title: `B${i}`, payload: `P${i}` });
const text = (t: string) => ({ type: "text", text: t });

describe("content accepted from bots and agents", () => {
  it.each([
    ["text with quick replies", { ...text("Pick one"), quickReplies: [{ title: "Yes", payload: "Y" }] }],
    ["media with CTA buttons", { type: "media", mediaType: "image", url: "https://cdn.example.com/a.png", caption: "New", buttons: [url("https://shop.example.com/a"), postback(1), { type: "share" }] }],
    ["buttons", { type: "buttons", text: "Help?", buttons: [postback(1), { type: "pay", title: "Pay", requestId: "r1" }] }],
    ["cards", { type: "cards", cards: [{ title: "Shoe", subtitle: "Red", imageUrl: "https://cdn.example.com/s.png", buttons: [url("https://shop.example.com/s")] }] }],
    ["receipt", { type: "receipt", orderId: "o-1", currency: "EUR", total: 30, items: [{ title: "Shoe", quantity: 2, price: 15 }] }],
    ["payment request", { type: "payment_request", requestId: "r1", amount: 30, currency: "USD", description: "Order o-1", payUrl: "https://pay.example.com/r1", status: "pending" }],
    ["a localhost http URL", { type: "buttons", text: "Dev", buttons: [url("http://localhost:8787/x")] }],
  ])("accepts %s", async (_name, content) => {
    expect((await asBot(content)).status).toBe(201);
  });
});

describe("content rejected with the path of the error", () => {
  it.each([
    ["empty text", text(""), "content.text"],
    ["text over 4096 characters", text("x".repeat(4097)), "content.text"],
    ["14 quick replies", { ...text("t"), quickReplies: Array.from({ length: 14 }, (_, i) => ({ title: `q${i}`, payload: `p${i}` })) }, "content.quickReplies"],
    ["4 media buttons", { type: "media", mediaType: "image", url: "https://e.com/a.png", buttons: [postback(1), postback(2), postback(3), postback(4)] }, "content.buttons"],
    ["media without url or attachment", { type: "media", mediaType: "image" }, "content.url"],
    ["an unknown media type", { type: "media", mediaType: "hologram", url: "https://e.com/a" }, "content.mediaType"],
    ["no buttons", { type: "buttons", text: "t", buttons: [] }, "content.buttons"],
    ["4 buttons", { type: "buttons", text: "t", buttons: [postback(1), postback(2), postback(3), postback(4)] }, "content.buttons"],
    ["11 cards", { type: "cards", cards: Array.from({ length: 11 }, (_, i) => ({ title: `c${i}` })) }, "content.cards"],
    ["no cards", { type: "cards", cards: [] }, "content.cards"],
    ["a javascript: URL", { type: "buttons", text: "t", buttons: [url("javascript:alert(1)")] }, "content.buttons.0.url"],
    ["a data: image", { type: "cards", cards: [{ title: "c", imageUrl: "data:image/png;base64,AAAA" }] }, "content.cards.0.imageUrl"],
    ["plain http to a public host", { type: "media", mediaType: "image", url: "http://cdn.example.com/a.png" }, "content.url"],
    ["a lowercase currency", { type: "receipt", orderId: "o", currency: "usd", total: 1, items: [{ title: "a", quantity: 1, price: 1 }] }, "content.currency"],
    ["a negative amount", { type: "payment_request", requestId: "r", amount: -1, currency: "USD", description: "d", payUrl: "https://p.example.com", status: "pending" }, "content.amount"],
    ["an unknown payment status", { type: "payment_request", requestId: "r", amount: 1, currency: "USD", description: "d", payUrl: "https://p.example.com", status: "refunded" }, "content.status"],
    ["an unknown content type", { type: "html", html: "<b>x</b>" }, "content.type"],
    ["unknown fields", { ...text("t"), html: "<b>x</b>" }, "content.html"],
    ["text with a lone surrogate (half an emoji)", text("a\ud800b"), "content.text"],
    ["a caption ending in half a character", { type: "media", mediaType: "image", url: "https://cdn.example.com/a.png", caption: "x\udc00" }, "content.caption"],
    ["a quick reply title with a lone surrogate", { ...text("t"), quickReplies: [{ title: "\ud83d", payload: "p" }] }, "content.quickReplies.0.title"],
  ])("rejects %s", async (_name, content, path) => {
    await expectInvalid(await asBot(content), path);
  });

  it("rejects a missing or too long clientId", async () => {
    await expectInvalid(
      await api(`/v1/conversations/${conversation}/messages`, { method: "POST", token: customer, json: { content: text("x") } }),
      "clientId",
    );
    await expectInvalid(await post(customer, text("x"), { clientId: "c".repeat(65) }), "clientId");
  });
});

describe("what customers may send", () => {
  it("accepts text, postbacks and media by attachment id", async () => {
    expect((await post(customer, text("hello"))).status).toBe(201);
    expect((await post(customer, text("party \u{1F389} \uD83D\uDE00"))).status).toBe(201); // whole surrogate pairs
    expect((await post(customer, { type: "postback", title: "Yes", payload: "YES" })).status).toBe(201);
    const photo = await uploaded(customer, conversation, await png(), "image/png", "photo.png");
    expect((await post(customer, { type: "media", mediaType: "image", attachmentId: photo.id })).status).toBe(201);
    // Only attachments uploaded into this conversation (API.md "Attachments").
    await expectInvalid(await post(customer, { type: "media", mediaType: "image", attachmentId: "att_abc123" }), "content.attachmentId");
  });

  it.each([
    ["cards", { type: "cards", cards: [{ title: "c" }] }, "content.type"],
    ["payment requests", { type: "payment_request", requestId: "r", amount: 1, currency: "USD", description: "d", payUrl: "https://p.example.com", status: "paid" }, "content.type"],
    ["receipts", { type: "receipt", orderId: "o", currency: "USD", total: 1, items: [{ title: "a", quantity: 1, price: 1 }] }, "content.type"],
    ["buttons", { type: "buttons", text: "t", buttons: [postback(1)] }, "content.type"],
    ["quick replies", { ...text("t"), quickReplies: [{ title: "a", payload: "b" }] }, "content.quickReplies"],
    ["media by URL", { type: "media", mediaType: "image", url: "https://e.com/a.png" }, "content"],
  ])("refuses %s from a customer", async (_name, content, path) => {
    await expectInvalid(await post(customer, content), path);
  });

  it("does not let a customer pick a sender", async () => {
    await expectInvalid(await post(customer, text("x"), { sender: { role: "agent", id: "eve" } }), "sender");
  });
});

describe("request bodies", () => {
  it("answers 413 to a body over 64 KiB", async () => {
    const res = await post(customer, text("x".repeat(70 * 1024)));
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ code: "payload_too_large" });
  });

  it("answers 413 to an oversized chunked body without Content-Length", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await api(`/v1/conversations/${conversation}/messages`, {
      method: "POST",
      token: customer,
      headers: { "content-type": "application/json" },
      body,
      // @ts-expect-error -- duplex is required for streaming request bodies
      duplex: "half",
    });
    expect(res.status).toBe(413);
  });

  it("answers 415 to a body that is not JSON", async () => {
    const res = await api(`/v1/conversations/${conversation}/messages`, {
      method: "POST",
      token: customer,
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect(res.status).toBe(415);
    expect(await json(res)).toMatchObject({ code: "unsupported_media_type" });
  });

  it("answers 400 to malformed JSON and loses nothing", async () => {
    const res = await api(`/v1/conversations/${conversation}/messages`, {
      method: "POST",
      token: customer,
      headers: { "content-type": "application/json" },
      body: '{"clientId": "x", "content": ',
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: "invalid_request" });
    expect((await post(customer, text("still works"))).status).toBe(201);
  });
});
