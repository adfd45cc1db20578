// Media a person sends in Messenger: fetched from the platform's URL into R2
// as an attachment of the thread (sniffed, within the tenant's limit), shown
// like an upload; what cannot be stored keeps the platform's URL.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, eventually } from "./helpers";
import { HTML, png, sha256Hex } from "./attachment-files";
import { channelTenant, contactOf, eventsOf, messaging, messengerBody, mid, postWebhook, uniquePsid, type ChannelTenant, type LoggedEvent } from "./channel-helpers";

const CDN = "https://scontent.cdn-platform.test";

let restore: (() => void) | null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

/** The platform's CDN, intercepted: `files` by path; anything else goes to the real fetch. */
function cdn(files: Record<string, { body: Uint8Array; type: string }>): string[] {
  const fetched: string[] = [];
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(CDN)) return real(input, init);
    fetched.push(request.url);
    const file = files[new URL(request.url).pathname];
    if (!file) return new Response("not found", { status: 404 });
    return new Response(file.body, { headers: { "content-type": file.type, "content-length": String(file.body.byteLength) } });
  });
  restore = () => spy.mockRestore();
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
});
