// Platform webhooks in: signatures over the raw body, 200 at once with the
// work stored, de-duplication by platform message id, batched entries,
// every supported kind of Messenger and WhatsApp event, unknown ones ignored.
import { describe, expect, it } from "vitest";
import { api, eventually, json } from "./helpers";
import {
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
  type LoggedEvent,
} from "./channel-helpers";
import { hubSignature } from "../../src/channels/signature";

async function settledEvents(t: Awaited<ReturnType<typeof channelTenant>>, conversationId: string, count: number): Promise<LoggedEvent[]> {
  return eventually(
    () => eventsOf(t, conversationId),
    (events) => events.length >= count,
  );
}

describe("platform webhooks in", () => {
  it("refuse unsigned and wrongly signed bodies with 401 and store nothing", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const body = JSON.stringify(messengerBody(t, [messaging(t, psid, { message: { mid: mid(), text: "hi" } })]));
    const unsigned = await postWebhook(t, "messenger", body, null);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: "invalid_token" });
    expect((await postWebhook(t, "messenger", body, await hubSignature("another-secret", body))).status).toBe(401);
    // Signed, but over other bytes (one space added after signing).
    expect((await postWebhook(t, "messenger", `${body} `, await hubSignature(t.appSecret, body))).status).toBe(401);
    expect((await postWebhook(t, "messenger", body, "sha1=abcdef")).status).toBe(401);
    // The WhatsApp number has its own app secret.
    expect((await postWebhook(t, "whatsapp", body, await hubSignature(t.appSecret, body))).status).toBe(401);
    const contact = await api(`/v1/channels/messenger/contacts/${psid}`, { token: t.adminKey });
    expect(contact.status).toBe(404);
  });

  it("answer 200 at once and put a Messenger text into the person's thread, once", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    const body = messengerBody(t, [messaging(t, psid, { message: { mid: mid(), text: "Is the Roadster 7 in stock?" } })]);
    const res = await postWebhook(t, "messenger", body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("EVENT_RECEIVED");
    // Meta redelivers when unsure: the same body twice more.
    expect((await postWebhook(t, "messenger", body)).status).toBe(200);
    expect((await postWebhook(t, "messenger", body)).status).toBe(200);

    const contact = await contactOf(t, "messenger", psid);
    expect(contact).toMatchObject({ person: `msgr_${psid}`, linkedTo: null });
    const events = await settledEvents(t, contact.conversationId, 1);
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would be processed by now
    expect(await eventsOf(t, contact.conversationId)).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "message.created",
      channel: "messenger",
      sender: { role: "customer", id: `msgr_${psid}`, deviceId: `msgr_${psid}` },
      content: { type: "text", text: "Is the Roadster 7 in stock?" },
    });
  });

  it("take batched entries with several people and kinds; echoes, unknown kinds and other pages are ignored", async () => {
    const t = await channelTenant();
    const [ann, bob] = [uniquePsid(), uniquePsid()];
    const image = "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg?_nc_cat=1";
    // The platform's CDN no longer has the file: the message keeps its URL (test/worker/channel-media.test.ts stores one).
    interceptFetch((request) => (request.url === image ? new Response("URL signature expired", { status: 403 }) : undefined));
    const body = messengerBody(
      t,
      [
        messaging(t, ann, { message: { mid: mid(), text: "first" } }, 1_000),
        messaging(t, ann, { message: { mid: mid(), text: "Track my order", quick_reply: { payload: "TRACK_ORDER" } } }, 2_000),
        messaging(t, bob, { postback: { mid: mid(), title: "Get Started", payload: "GET_STARTED" } }, 3_000),
        messaging(t, ann, { message: { mid: mid(), is_echo: true, app_id: 1517776481860111, text: "our own send" } }, 3_500),
        messaging(t, ann, { reaction: { mid: mid(), action: "react", emoji: "❤" } }, 3_600),
        { sender: { id: ann }, recipient: { id: "999999" }, timestamp: 3_700, message: { mid: mid(), text: "to another page" } },
        { sender: "not an object", recipient: { id: t.pageId } },
      ],
      [
        messaging(t, ann, { message: { mid: mid(), attachments: [{ type: "image", payload: { url: image } }, { type: "location", payload: { title: "Shop" } }] } }, 4_000),
        messaging(t, bob, { message: { mid: mid(), text: "second from bob" } }, 5_000),
      ],
    );
    expect((await postWebhook(t, "messenger", body)).status).toBe(200);

    const annThread = await contactOf(t, "messenger", ann);
    const annEvents = await settledEvents(t, annThread.conversationId, 4);
    expect(annEvents.map((e) => e.content)).toEqual([
      { type: "text", text: "first" },
      { type: "postback", payload: "TRACK_ORDER", title: "Track my order" },
      { type: "media", mediaType: "image", url: image },
      { type: "text", text: "[location: Shop]" },
    ]);
    const bobThread = await contactOf(t, "messenger", bob);
    expect(bobThread.conversationId).not.toBe(annThread.conversationId);
    const bobEvents = await settledEvents(t, bobThread.conversationId, 2);
    expect(bobEvents.map((e) => e.content)).toEqual([
      { type: "postback", payload: "GET_STARTED", title: "Get Started" },
      { type: "text", text: "second from bob" },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await eventsOf(t, annThread.conversationId)).toHaveLength(4);
  });

  it("answer 200 to signed bodies that are not payloads, and to other objects", async () => {
    const t = await channelTenant();
    expect((await postWebhook(t, "messenger", "{not json")).status).toBe(200);
    expect((await postWebhook(t, "messenger", { object: "instagram", entry: [] })).status).toBe(200);
    expect((await postWebhook(t, "messenger", { object: "page", entry: "nope" })).status).toBe(200);
    expect((await postWebhook(t, "whatsapp", { object: "whatsapp_business_account", entry: [{ changes: [{ field: "account_update", value: {} }] }] })).status).toBe(200);
  });

  it("put WhatsApp messages of every supported kind into the person's thread, with their name", async () => {
    const t = await channelTenant();
    // The image's media id is unknown to Graph: it stays text (channel-media.test.ts has the fetched ones).
    mockWhatsAppMedia(t.waToken, {});
    const waId = uniquePsid();
    const ts = String(Math.floor(Date.now() / 1000));
    const message = (id: string, extra: Record<string, unknown>) => ({ from: waId, id: `wamid.${id}${crypto.randomUUID()}`, timestamp: ts, ...extra });
    const body = whatsappBody(t, {
      contacts: [{ profile: { name: "Maria Silva" }, wa_id: waId }],
      messages: [
        message("a", { type: "text", text: { body: "Olá! Is my bike ready?" } }),
        message("b", { type: "interactive", interactive: { type: "button_reply", button_reply: { id: "BOOK_REPAIR", title: "Book a repair" } } }),
        message("c", { type: "interactive", interactive: { type: "list_reply", list_reply: { id: "SLOT_9", title: "Tomorrow 9:00", description: "At the shop" } } }),
        message("d", { type: "image", image: { id: "1479537139650973", mime_type: "image/jpeg", sha256: "abc", caption: "the wheel" } }),
        message("e", { type: "reaction", reaction: { message_id: "wamid.x", emoji: "👍" } }),
        message("f", { type: "location", location: { latitude: 52.52, longitude: 13.405, name: "Shop" } }),
      ],
    });
    expect((await postWebhook(t, "whatsapp", body)).status).toBe(200);
    expect((await postWebhook(t, "whatsapp", body)).status).toBe(200);
    const contact = await contactOf(t, "whatsapp", waId);
    expect(contact.person).toBe(`wa_${waId}`);
    const events = await settledEvents(t, contact.conversationId, 5);
    await new Promise((r) => setTimeout(r, 200));
    expect(await eventsOf(t, contact.conversationId)).toHaveLength(5);
    expect(events[0]).toMatchObject({ channel: "whatsapp", sender: { role: "customer", id: `wa_${waId}`, name: "Maria Silva" } });
    expect(events.map((e) => e.content)).toEqual([
      { type: "text", text: "Olá! Is my bike ready?" },
      { type: "postback", payload: "BOOK_REPAIR", title: "Book a repair" },
      { type: "postback", payload: "SLOT_9", title: "Tomorrow 9:00" },
      { type: "text", text: "[image] the wheel" },
      { type: "text", text: "[location] 52.52,13.405 Shop" },
    ]);
    // A person of the business from the first message: in the people index with the platform's name,
    // and the thread's customer reaches it by WhatsApp.
    const person = await eventually(() => api(`/v1/people/wa_${waId}`, { token: t.adminKey }), (r) => r.status === 200);
    // Not proven by the business's identity provider: guest-like, as the person's sessions on the website say.
    expect((await json<{ person: { id: string; name: string | null } }>(person)).person).toMatchObject({ id: `wa_${waId}`, name: "Maria Silva", guest: true });
    const thread = await json<{ conversation: { customer: unknown } }>(await api(`/v1/conversations/${contact.conversationId}`, { token: t.adminKey }));
    expect(thread.conversation.customer).toMatchObject({ id: `wa_${waId}`, name: "Maria Silva", guest: true, channels: ["whatsapp"] });
  });

  it("take half an emoji as U+FFFD: the log holds Unicode text only, as for every other writer", async () => {
    const t = await channelTenant();
    const psid = uniquePsid();
    // JSON can spell a lone surrogate ("\ud83d" without its pair); the contract refuses it from clients (400).
    const raw = JSON.stringify(
      messengerBody(t, [
        messaging(t, psid, { message: { mid: mid(), text: "cut \ud83d here" } }),
        // A payload is kept to 1,000 code units: the cut falls before the emoji, not inside it.
        messaging(t, psid, { postback: { mid: mid(), title: "Long", payload: `${"p".repeat(999)}😀` } }),
      ]),
    );
    expect(raw).toContain("\\ud83d");
    expect((await postWebhook(t, "messenger", raw)).status).toBe(200);
    const contact = await contactOf(t, "messenger", psid);
    const events = await settledEvents(t, contact.conversationId, 2);
    expect(events[0]!.content).toEqual({ type: "text", text: "cut \ufffd here" });
    expect(events[1]!.content).toEqual({ type: "postback", title: "Long", payload: "p".repeat(999) });
  });

  it("keep what was answered 200: processing that fails after it is retried, in order", async () => {
    // One message per second per device: the second and third fail at first (rate limited) and are retried by alarm.
    const t = await channelTenant({ rateLimits: { sendsPerDevice: { limit: 1, periodSeconds: 1 } } });
    const psid = uniquePsid();
    const texts = ["one", "two", "three"];
    const body = messengerBody(t, texts.map((text, i) => messaging(t, psid, { message: { mid: mid(), text } }, 1_000 + i)));
    expect((await postWebhook(t, "messenger", body)).status).toBe(200);
    const contact = await contactOf(t, "messenger", psid);
    const events = await eventually(
      () => settledEvents(t, contact.conversationId, 3),
      (e) => e.length === 3,
    );
    expect(events.map((e) => (e.content as { text: string }).text)).toEqual(texts);
  }, 30_000);
});
