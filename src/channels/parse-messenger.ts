// Messenger Platform webhooks (object "page"): entry[].messaging[] events —
// message (text, quick_reply, attachments), postback, referral, delivery,
// read — turned into inbound items. Each event is parsed on its own: a
// malformed or unknown one is skipped, the others in the batch still count.
// Shapes: Meta's Messenger Platform webhook reference (messages,
// messaging_postbacks, messaging_referrals, message_deliveries, message_reads).
import * as z from "../zod";
import type { Content } from "../protocol/content";
import { isSafeUrl } from "../protocol/content";
import { sliceWhole } from "../protocol/text";
import { MAX_TEXT, type InboundItem } from "./inbound";
import { truncate } from "./text";

const Id = z.pipe(z.union([z.string(), z.number()]), z.transform(String));
/** Messenger sends milliseconds; a value in seconds (some examples show them) is scaled. */
const Time = z.pipe(
  z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]),
  z.transform((t) => (t < 1e11 ? t * 1000 : t)),
);
const Referral = z.looseObject({ ref: z.optional(z.string()), source: z.optional(z.string()), type: z.optional(z.string()) });

const Attachment = z.looseObject({
  type: z.string(),
  payload: z.nullish(z.looseObject({ url: z.optional(z.string()), title: z.optional(z.string()) })),
});

const MessagingEvent = z.looseObject({
  sender: z.looseObject({ id: Id }),
  recipient: z.looseObject({ id: Id }),
  timestamp: Time,
  message: z.optional(
    z.looseObject({
      mid: z.string(),
      is_echo: z.optional(z.boolean()),
      text: z.optional(z.string()),
      quick_reply: z.optional(z.looseObject({ payload: z.string() })),
      attachments: z.optional(z.array(Attachment)),
      referral: z.optional(Referral),
    }),
  ),
  postback: z.optional(
    z.looseObject({ mid: z.optional(z.string()), title: z.optional(z.string()), payload: z.optional(z.string()), referral: z.optional(Referral) }),
  ),
  referral: z.optional(Referral),
  delivery: z.optional(z.looseObject({ mids: z.optional(z.array(z.string())), watermark: Time })),
  read: z.optional(z.looseObject({ watermark: Time })),
});
type MessagingEvent = z.infer<typeof MessagingEvent>;

const Payload = z.looseObject({
  object: z.literal("page"),
  entry: z.array(z.looseObject({ id: z.optional(Id), messaging: z.optional(z.array(z.unknown())) })),
});

const MEDIA: Record<string, "image" | "video" | "audio" | "file"> = { image: "image", video: "video", audio: "audio", file: "file" };

function attachmentContent(a: z.infer<typeof Attachment>): Content {
  const url = a.payload?.url;
  const mediaType = MEDIA[a.type];
  // Kept as the platform's URL for now; fetching into R2 follows the attachments feature.
  if (mediaType && url && isSafeUrl(url) && url.length <= 2048) return { type: "media", mediaType, url };
  const label = a.payload?.title ? `${a.type}: ${a.payload.title}` : a.type;
  return { type: "text", text: truncate(`[${label}]`, MAX_TEXT) };
}

function postbackContent(title: string | undefined, payload: string | undefined): Content | null {
  if (!payload) return null;
  return { type: "postback", payload: sliceWhole(payload, 0, 1000), title: truncate((title ?? payload).trim() || payload, 80) };
}

function itemOf(event: MessagingEvent): InboundItem | null {
  const base = { channel: "messenger" as const, from: event.sender.id, at: event.timestamp };
  const { message, postback } = event;
  if (message) {
    if (message.is_echo) return null; // the page's own sends, echoed back
    const parts: Content[] = [];
    const tapped = message.quick_reply ? postbackContent(message.text, message.quick_reply.payload) : null;
    if (tapped) parts.push(tapped);
    else if (message.text) parts.push({ type: "text", text: truncate(message.text, MAX_TEXT) });
    for (const a of message.attachments ?? []) parts.push(attachmentContent(a));
    if (parts.length === 0) return null;
    return { ...base, kind: "message", key: message.mid, parts, ...(message.referral?.ref ? { ref: message.referral.ref } : {}) };
  }
  if (postback) {
    const content = postbackContent(postback.title, postback.payload);
    const ref = postback.referral?.ref;
    const key = postback.mid ?? `postback:${event.timestamp}:${postback.payload ?? ""}`;
    if (!content) return ref ? { ...base, kind: "referral", key: `ref:${key}`, ref } : null;
    return { ...base, kind: "message", key, parts: [content], ...(ref ? { ref } : {}) };
  }
  if (event.referral?.ref) return { ...base, kind: "referral", key: `ref:${event.timestamp}:${event.referral.ref}`, ref: event.referral.ref };
  if (event.delivery) {
    const mids = event.delivery.mids ?? [];
    return { ...base, kind: "receipt", key: `delivery:${event.delivery.watermark}:${mids.join(",")}`.slice(0, 512), status: "delivered", mids, watermark: event.delivery.watermark };
  }
  if (event.read) return { ...base, kind: "receipt", key: `read:${event.read.watermark}`, status: "read", mids: [], watermark: event.read.watermark };
  return null;
}

/**
 * The items of a Messenger webhook body for the page `pageId`; events for
 * other pages, echoes, malformed and unknown events are left out. A body
 * that is not a Messenger payload at all gives [].
 */
export function parseMessengerWebhook(body: unknown, pageId: string): InboundItem[] {
  const payload = Payload.safeParse(body);
  if (!payload.success) return [];
  const items: InboundItem[] = [];
  for (const entry of payload.data.entry) {
    for (const raw of entry.messaging ?? []) {
      const event = MessagingEvent.safeParse(raw);
      if (!event.success || event.data.recipient.id !== pageId) continue;
      const item = itemOf(event.data);
      if (item) items.push(item);
    }
  }
  return items;
}
