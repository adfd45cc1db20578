// Media a person sends in Messenger or WhatsApp: fetched from the platform
// (Messenger: its URL; WhatsApp: a Graph lookup of the media id, then its
// URL, both with the channel's token) into R2 as an attachment of the thread
// (sniffed, within the tenant's limit), shown like an upload; what cannot be
// stored keeps the platform's URL (Messenger) or the text "[image] caption"
// (WhatsApp).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, eventually } from "./helpers";
import { HTML, jpeg, ogg, pdf, png, sha256Hex, webp } from "./attachment-files";
import {
  GRAPH,
  WA_CDN,
  channelTenant,
  contactOf,
  eventsOf,
  interceptFetch,
  messaging,
  messengerBody,
  mid,
  mockWhatsAppMedia,
  postWebhook,
  uniquePsid,
  whatsappBody,
  type ChannelTenant,
  type LoggedEvent,
} from "./channel-helpers";

const CDN = "https://scontent.cdn-platform.test";

/** The platform's CDN, intercepted: `files` by path; anything else goes to the real fetch. */
function cdn(files: Record<string, { body: Uint8Array; type: string }>): string[] {
  const fetched: string[] = [];
  interceptFetch((request) => {
    if (!request.url.startsWith(CDN)) return undefined;
    fetched.push(request.url);
    const file = files[new URL(request.url).pathname];
    if (!file) return new Response("not found", { status: 404 });
    return new Response(file.body, { headers: { "content-type": file.type, "content-length": String(file.body.byteLength) } });
  });
  return fetched;
}

async function sendMedia(t: ChannelTenant, url: string, type = "image"): Promise<LoggedEvent & { attachment?: Record<string, unknown> }> {
  const psid = uniquePsid();
  const body = messengerBody(t, [messaging(t, psid, { message: { mid: mid(), attachments: [{ type, payload: { url } }] } })]);
  expect((await postWebhook(t, "messenger", body)).status).toBe(200);
  const { conversationId } = await contactOf(t, "messenger", psid);
  const events = await eventually(() => eventsOf(t, conversationId), (e) => e.length === 1);
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe("Messenger media in", () => {
  it("become attachments of the thread, stored in R2 and shown like uploads", async () => {
    const t = await channelTenant();
    const photo = await png(4, 3);
    const fetched = cdn({ "/v/t1.15/photo_123.png": { body: photo, type: "image/png" } });
    const event = await sendMedia(t, `${CDN}/v/t1.15/photo_123.png?oh=00_abc&oe=1`);

    expect(fetched).toHaveLength(1);
    const id = (event.content as { attachmentId?: string }).attachmentId!;
    expect(event.content).toEqual({ type: "media", mediaType: "image", attachmentId: id });
    expect(event.attachment).toMatchObject({
      id,
      mediaType: "image",
      contentType: "image/png",
      size: photo.byteLength,
      sha256: await sha256Hex(photo),
      filename: "photo_123.png",
      width: 4,
      height: 3,
    });
    // The bytes are served from R2 by the attachments API, like an upload's.
    const link = await api(`/v1/attachments/${id}`, { token: t.adminKey, redirect: "manual" });
    expect(link.status).toBe(302);
    const content = await api(link.headers.get("location")!);
    expect(content.status).toBe(200);
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(photo);
  });

  it("keep the platform's URL when the bytes are not what was declared, or the type is not allowed", async () => {
    const t = await channelTenant();
    cdn({
      "/fake.png": { body: HTML, type: "image/png" },
      "/page.html": { body: HTML, type: "text/html" },
    });
    const disguised = await sendMedia(t, `${CDN}/fake.png`);
    expect(disguised.content).toEqual({ type: "media", mediaType: "image", url: `${CDN}/fake.png` });
    expect(disguised.attachment).toBeUndefined();
    const html = await sendMedia(t, `${CDN}/page.html`, "file");
    expect(html.content).toEqual({ type: "media", mediaType: "file", url: `${CDN}/page.html` });
    const gone = await sendMedia(t, `${CDN}/expired.jpg`);
    expect(gone.content).toEqual({ type: "media", mediaType: "image", url: `${CDN}/expired.jpg` });
  });

  it("never fetch a URL on a private, loopback or link-local address (the server's own network)", async () => {
    const t = await channelTenant();
    const asked: string[] = [];
    interceptFetch((request) => {
      const host = new URL(request.url).hostname;
      if (!["10.0.0.7", "169.254.169.254", "[fd00::1]"].includes(host)) return undefined;
      asked.push(request.url);
      return new Response("from inside", { headers: { "content-type": "image/png" } });
    });
    for (const url of ["https://10.0.0.7/admin.png", "https://169.254.169.254/latest/meta-data.png", "https://[fd00::1]/x.png"]) {
      const event = await sendMedia(t, url);
      expect(event.content).toEqual({ type: "media", mediaType: "image", url });
      expect(event.attachment).toBeUndefined();
    }
    expect(asked).toEqual([]);
  });
});

type MediaEvent = LoggedEvent & { attachment?: Record<string, unknown> };

/** A WhatsApp webhook from a new person with `messages` (each gets a fresh wamid); their thread's events once all are processed. */
async function sendWhatsApp(t: ChannelTenant, messages: Record<string, unknown>[]): Promise<{ waId: string; conversationId: string; events: MediaEvent[] }> {
  const waId = uniquePsid();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = whatsappBody(t, {
    contacts: [{ profile: { name: "Maria Silva" }, wa_id: waId }],
    messages: messages.map((m) => ({ from: waId, id: `wamid.HBgM${crypto.randomUUID().replace(/-/g, "")}`, timestamp, ...m })),
  });
  expect((await postWebhook(t, "whatsapp", body)).status).toBe(200);
  const { conversationId } = await contactOf(t, "whatsapp", waId);
  const events = await eventually(() => eventsOf(t, conversationId), (e) => e.length === messages.length);
  expect(events).toHaveLength(messages.length);
  return { waId, conversationId, events };
}

/** The bytes `/v1/attachments/:id` serves (through its signed redirect). */
async function servedBytes(t: ChannelTenant, id: string): Promise<Uint8Array> {
  const link = await api(`/v1/attachments/${id}`, { token: t.adminKey, redirect: "manual" });
  expect(link.status).toBe(302);
  const content = await api(link.headers.get("location")!);
  expect(content.status).toBe(200);
  return new Uint8Array(await content.arrayBuffer());
}

describe("WhatsApp media in", () => {
  it("are looked up by media id and downloaded with the channel's token, then stored as attachments", async () => {
    const t = await channelTenant();
    const photo = jpeg(6, 4);
    const invoice = pdf();
    const graph = mockWhatsAppMedia(t.waToken, {
      "1479537139650973": { body: photo, type: "image/jpeg" },
      "3317214675198352": { body: invoice, type: "application/pdf" },
    });
    const { events } = await sendWhatsApp(t, [
      { type: "image", image: { id: "1479537139650973", mime_type: "image/jpeg", sha256: "ignored-here", caption: "the wheel" } },
      { type: "document", document: { id: "3317214675198352", mime_type: "application/pdf", filename: "invoice-42.pdf", caption: "my invoice" } },
    ]);

    const bearer = `Bearer ${t.waToken}`;
    expect(graph.calls).toEqual([
      { method: "GET", url: `${GRAPH}/1479537139650973`, authorization: bearer },
      { method: "GET", url: `${WA_CDN}/whatsapp_business/attachments/?mid=1479537139650973&ext=1764520000&hash=ATtQ2kLkZ`, authorization: bearer },
      { method: "GET", url: `${GRAPH}/3317214675198352`, authorization: bearer },
      { method: "GET", url: `${WA_CDN}/whatsapp_business/attachments/?mid=3317214675198352&ext=1764520000&hash=ATtQ2kLkZ`, authorization: bearer },
    ]);
    expect(GRAPH).toMatch(/^https:\/\/graph\.facebook\.com\/v\d+\.0$/);

    const [image, document] = events as [MediaEvent, MediaEvent];
    const imageId = (image.content as { attachmentId: string }).attachmentId;
    expect(image).toMatchObject({ channel: "whatsapp", sender: { role: "customer" } });
    expect(image.content).toEqual({ type: "media", mediaType: "image", attachmentId: imageId, caption: "the wheel" });
    expect(image.attachment).toMatchObject({ id: imageId, mediaType: "image", contentType: "image/jpeg", size: photo.byteLength, sha256: await sha256Hex(photo), filename: "image", width: 6, height: 4 });
    const documentId = (document.content as { attachmentId: string }).attachmentId;
    expect(document.content).toEqual({ type: "media", mediaType: "file", attachmentId: documentId, caption: "my invoice" });
    expect(document.attachment).toMatchObject({ id: documentId, mediaType: "file", contentType: "application/pdf", size: invoice.byteLength, sha256: await sha256Hex(invoice), filename: "invoice-42.pdf" });

    expect(await servedBytes(t, imageId)).toEqual(photo);
    expect(await servedBytes(t, documentId)).toEqual(invoice);
  });

  it("map voice notes (a type with parameters) to audio and stickers to images", async () => {
    const t = await channelTenant();
    const voice = ogg();
    const sticker = webp();
    const graph = mockWhatsAppMedia(t.waToken, {
      "7700000000000001": { body: voice, type: "audio/ogg; codecs=opus" },
      "7700000000000002": { body: sticker, type: "image/webp" },
    });
    const { events } = await sendWhatsApp(t, [
      { type: "audio", audio: { id: "7700000000000001", mime_type: "audio/ogg; codecs=opus", voice: true } },
      { type: "sticker", sticker: { id: "7700000000000002", mime_type: "image/webp", animated: false } },
    ]);
    const [audio, image] = events as [MediaEvent, MediaEvent];
    expect(audio.content).toEqual({ type: "media", mediaType: "audio", attachmentId: expect.stringMatching(/^att_/) });
    expect(audio.attachment).toMatchObject({ mediaType: "audio", contentType: "audio/ogg", size: voice.byteLength });
    expect(image.content).toEqual({ type: "media", mediaType: "image", attachmentId: expect.stringMatching(/^att_/) });
    expect(image.attachment).toMatchObject({ mediaType: "image", contentType: "image/webp", size: sticker.byteLength });
    expect(graph.calls).toHaveLength(4);
  });

  it("stay text when the lookup fails, the type is not allowed, or the bytes are not what Graph announced", async () => {
    const t = await channelTenant();
    const graph = mockWhatsAppMedia(t.waToken, {
      "9100000000000001": { body: new TextEncoder().encode("PK\u0003\u0004 not really a docx"), type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
      "9100000000000002": { body: HTML, type: "image/jpeg" },
      "9100000000000003": { body: jpeg(2, 2), type: "image/jpeg", sha256: "0".repeat(64) },
    });
    const { conversationId, events } = await sendWhatsApp(t, [
      { type: "image", image: { id: "9100000000000000", mime_type: "image/jpeg", caption: "gone" } },
      { type: "document", document: { id: "9100000000000001", filename: "contract.docx" } },
      { type: "image", image: { id: "9100000000000002", mime_type: "image/jpeg", caption: "disguised" } },
      { type: "image", image: { id: "9100000000000003", mime_type: "image/jpeg" } },
    ]);
    expect(events.map((e) => e.content)).toEqual([
      { type: "text", text: "[image] gone" },
      { type: "text", text: "[document] contract.docx" },
      { type: "text", text: "[image] disguised" },
      { type: "text", text: "[image]" },
    ]);
    expect(events.every((e) => (e as MediaEvent).attachment === undefined)).toBe(true);
    // The failed lookup made no download; nothing of any of them is left in R2.
    expect(graph.calls.filter((c) => c.url.includes("9100000000000000"))).toEqual([
      { method: "GET", url: `${GRAPH}/9100000000000000`, authorization: `Bearer ${t.waToken}` },
    ]);
    const listed = await env.ATTACHMENTS.list({ prefix: `${t.id}/${conversationId}/` });
    expect(listed.objects).toEqual([]);
  });

  it("are stored once: processing the item again reuses the file and the message", async () => {
    const t = await channelTenant();
    const photo = jpeg(3, 3);
    const graph = mockWhatsAppMedia(t.waToken, { "5500000000000001": { body: photo, type: "image/jpeg" } });
    const { waId, conversationId, events } = await sendWhatsApp(t, [{ type: "image", image: { id: "5500000000000001", mime_type: "image/jpeg" } }]);
    const attachmentId = (events[0]!.content as { attachmentId: string }).attachmentId;
    expect(graph.calls).toHaveLength(2);

    // As if the first run had been cut off after storing: the item is pending again and processed by alarm.
    const inbox = env.CHANNEL_INBOX.getByName(`${t.id}:wa_${waId}`);
    await runInDurableObject(inbox, async (_o, state) => {
      state.storage.sql.exec("UPDATE items SET status = 'pending'");
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(inbox)).toBe(true);
    expect(await runInDurableObject(inbox, (o) => o.state())).toMatchObject({ items: { pending: 0, done: 1, failed: 0 } });

    expect(graph.calls).toHaveLength(2);
    const again = await eventsOf(t, conversationId);
    expect(again).toHaveLength(1);
    expect(again[0]!.content).toEqual({ type: "media", mediaType: "image", attachmentId });
    const listed = await env.ATTACHMENTS.list({ prefix: `${t.id}/${conversationId}/` });
    expect(listed.objects.map((o) => o.key)).toEqual([`${t.id}/${conversationId}/${attachmentId}`]);
  });
});
