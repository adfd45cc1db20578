// Sending media by attachmentId: only attachments of the same conversation,
// with a fitting media type; the media template for the business.
import { describe, expect, it } from "vitest";
import { BOT_KEY, api, json, openConversation, openSession, uniqueUser } from "./helpers";
import { gif, pdf, png, uploaded } from "./attachment-files";
import { openReady } from "./live-helpers";

async function customer() {
  const session = await openSession(uniqueUser());
  return { token: session.sessionToken, conversationId: await openConversation(session.sessionToken) };
}

function sendMedia(token: string, conversationId: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token,
    json: { clientId: crypto.randomUUID(), content: { type: "media", ...content }, ...extra },
  });
}

const BOT = { role: "bot", id: "shop-bot", name: "Shop Bot" };

describe("sending attachments", () => {
  it("a customer sends their upload; the event carries the attachment record and a retry makes no second event", async () => {
    const { token, conversationId } = await customer();
    const attachment = await uploaded(token, conversationId, await png(4, 3), "image/png", "part.png");
    const body = { clientId: "photo-1", content: { type: "media", mediaType: "image", attachmentId: attachment.id } };
    const first = await api(`/v1/conversations/${conversationId}/messages`, { method: "POST", token, json: body });
    expect(first.status).toBe(201);
    const { event } = await json<{ event: { seq: number; attachment: unknown; content: unknown } }>(first);
    expect(event.content).toEqual(body.content);
    expect(event.attachment).toEqual(attachment);
    const again = await api(`/v1/conversations/${conversationId}/messages`, { method: "POST", token, json: body });
    expect(again.status).toBe(200);
    expect((await json<{ event: { seq: number } }>(again)).event.seq).toBe(event.seq);
  });

  it("refuses an attachment of another conversation with 400, even the sender's own", async () => {
    const alice = await customer();
    const bob = await customer();
    const bobs = await uploaded(bob.token, bob.conversationId, await png(), "image/png", "b.png");
    const res = await sendMedia(alice.token, alice.conversationId, { mediaType: "image", attachmentId: bobs.id });
    expect(res.status).toBe(400);
    const problem = await json<{ code: string; errors: { path: string }[] }>(res);
    expect(problem.code).toBe("invalid_request");
    expect(problem.errors[0]!.path).toBe("content.attachmentId");
    // The business cannot move one between threads either.
    expect((await sendMedia(BOT_KEY, alice.conversationId, { mediaType: "image", attachmentId: bobs.id }, { sender: BOT })).status).toBe(400);
    // An id that is no upload at all.
    expect((await sendMedia(alice.token, alice.conversationId, { mediaType: "image", attachmentId: "att_nothing" })).status).toBe(400);
  });

  it("requires the media type to fit the file (a PDF is not an image; a GIF may be gif)", async () => {
    const { token, conversationId } = await customer();
    const file = await uploaded(token, conversationId, pdf(), "application/pdf", "invoice.pdf");
    expect((await sendMedia(token, conversationId, { mediaType: "image", attachmentId: file.id })).status).toBe(400);
    expect((await sendMedia(token, conversationId, { mediaType: "file", attachmentId: file.id })).status).toBe(201);
    const anim = await uploaded(token, conversationId, gif(), "image/gif", "dance.gif");
    expect((await sendMedia(token, conversationId, { mediaType: "gif", attachmentId: anim.id })).status).toBe(201);
  });

  it("the business sends the media template: an uploaded image with a caption and up to three buttons", async () => {
    const { token, conversationId } = await customer();
    const image = await uploaded(BOT_KEY, conversationId, await png(8, 8), "image/png", "offer.png");
    const buttons = [
      { type: "url", title: "Shop now", url: "https://shop.example/offer" },
      { type: "postback", title: "Not now", payload: "NO" },
      { type: "share" },
    ];
    const res = await sendMedia(BOT_KEY, conversationId, { mediaType: "image", attachmentId: image.id, caption: "20% off", buttons }, { sender: BOT });
    expect(res.status).toBe(201);
    const four = [...buttons, { type: "postback", title: "More", payload: "MORE" }];
    expect((await sendMedia(BOT_KEY, conversationId, { mediaType: "image", attachmentId: image.id, buttons: four }, { sender: BOT })).status).toBe(400);
    // The customer sees it in the log with the record.
    const page = await json<{ events: { content: { attachmentId?: string }; attachment?: { filename: string } }[] }>(
      await api(`/v1/conversations/${conversationId}/events?after=0`, { token }),
    );
    expect(page.events.at(-1)!.attachment!.filename).toBe("offer.png");
    // Customers may not add buttons.
    const own = await uploaded(token, conversationId, await png(), "image/png", "me.png");
    expect((await sendMedia(token, conversationId, { mediaType: "image", attachmentId: own.id, buttons: [buttons[1]] })).status).toBe(400);
  });
});

describe("sending attachments over the live socket", () => {
  it("acks an own attachment and refuses another conversation's with an error frame", async () => {
    const alice = await customer();
    const bob = await customer();
    const own = await uploaded(alice.token, alice.conversationId, await png(), "image/png", "own.png");
    const foreign = await uploaded(bob.token, bob.conversationId, await png(), "image/png", "foreign.png");
    const live = await openReady(alice.conversationId, alice.token);
    live.send({ type: "send", clientId: "f1", content: { type: "media", mediaType: "image", attachmentId: foreign.id } });
    const [refused] = (await live.until((f) => f.type === "error")).slice(-1);
    expect(refused).toMatchObject({ type: "error", code: "invalid_request", clientId: "f1" });
    live.send({ type: "send", clientId: "f2", content: { type: "media", mediaType: "image", attachmentId: own.id } });
    const [ack] = (await live.until((f) => f.type === "ack")).slice(-1);
    expect(ack).toMatchObject({ type: "ack", clientId: "f2", event: { attachment: { id: own.id, filename: "own.png" } } });
    live.ws.close();
  });
});
