// WhatsApp Cloud API webhooks (object "whatsapp_business_account"):
// entry[].changes[].value with messages[] (text, interactive button_reply /
// list_reply, button, image, video, audio, document, sticker, location…)
// and statuses[] (sent, delivered, read, failed), turned into inbound items.
// Each message or status is parsed on its own; unknown kinds are skipped.
// Shapes: Meta's WhatsApp Cloud API webhook reference ("messages" field).
import * as z from "../zod";
import type { Content } from "../protocol/content";
import { cleanName } from "../protocol/names";
import { sliceWhole } from "../protocol/text";
import { MAX_TEXT, type InboundItem, type WhatsAppMediaRef } from "./inbound";
import { payloadOfReplyId } from "./map-whatsapp";
import { truncate } from "./text";

const Seconds = z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]);
const Media = z.looseObject({
  id: z.optional(z.string()),
  mime_type: z.optional(z.string()),
  caption: z.optional(z.string()),
  filename: z.optional(z.string()),
});

const Message = z.looseObject({
  from: z.string().check(z.regex(/^\d{1,20}$/)),
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  timestamp: Seconds,
  type: z.string(),
  text: z.optional(z.looseObject({ body: z.string() })),
  interactive: z.optional(
    z.looseObject({
      type: z.string(),
      button_reply: z.optional(z.looseObject({ id: z.string(), title: z.string() })),
      list_reply: z.optional(z.looseObject({ id: z.string(), title: z.string() })),
    }),
  ),
  button: z.optional(z.looseObject({ payload: z.optional(z.string()), text: z.string() })),
  image: z.optional(Media),
  video: z.optional(Media),
  audio: z.optional(Media),
  document: z.optional(Media),
  sticker: z.optional(Media),
  location: z.optional(z.looseObject({ latitude: z.number(), longitude: z.number(), name: z.optional(z.string()), address: z.optional(z.string()) })),
  referral: z.optional(z.looseObject({ source_url: z.optional(z.string()), headline: z.optional(z.string()) })),
});
type Message = z.infer<typeof Message>;

const Status = z.looseObject({
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  status: z.string(),
  timestamp: Seconds,
  recipient_id: z.string().check(z.regex(/^\d{1,20}$/)),
  errors: z.optional(z.array(z.looseObject({ code: z.optional(z.number()), title: z.optional(z.string()), message: z.optional(z.string()) }))),
});

const Value = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string() }),
  contacts: z.optional(z.array(z.looseObject({ wa_id: z.optional(z.string()), profile: z.optional(z.looseObject({ name: z.optional(z.string()) })) }))),
  messages: z.optional(z.array(z.unknown())),
  statuses: z.optional(z.array(z.unknown())),
});

const Payload = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.looseObject({ changes: z.optional(z.array(z.looseObject({ field: z.optional(z.string()), value: z.unknown() }))) })),
});

function postback(id: string, title: string): Content {
  return { type: "postback", payload: sliceWhole(id, 0, 1000) || title, title: truncate(title.trim() || id, 80) };
}

/**
 * WhatsApp sends media as ids to fetch with the access token, not as URLs:
 * processing fetches them into R2 (whatsapp-media.ts); this text, saying what
 * it was (with its caption), is what the log keeps when that fails.
 */
function mediaText(kind: string, media: z.infer<typeof Media>): Content {
  const detail = media.caption ?? media.filename;
  return { type: "text", text: truncate(detail ? `[${kind}] ${detail}` : `[${kind}]`, MAX_TEXT) };
}

/** Media ids go into a Graph API path: only the platform's plain ids are looked up. */
const MEDIA_ID = /^[A-Za-z0-9_.-]{1,256}$/;

/** The file to fetch for a media message, or undefined when it has no usable id. */
function mediaRefOf(m: Message): WhatsAppMediaRef | undefined {
  if (m.type !== "image" && m.type !== "video" && m.type !== "audio" && m.type !== "document" && m.type !== "sticker") return undefined;
  const media = m[m.type];
  if (!media?.id || !MEDIA_ID.test(media.id)) return undefined;
  return {
    id: media.id,
    kind: m.type,
    ...(media.mime_type !== undefined ? { mimeType: media.mime_type } : {}),
    ...(media.caption !== undefined ? { caption: media.caption } : {}),
    ...(media.filename !== undefined ? { filename: media.filename } : {}),
  };
}

function contentOf(m: Message): Content | null {
  switch (m.type) {
    case "text":
      return m.text?.body ? { type: "text", text: truncate(m.text.body, MAX_TEXT) } : null;
    case "interactive": {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return reply ? postback(payloadOfReplyId(reply.id), reply.title) : null;
    }
    case "button":
      return m.button ? postback(m.button.payload ?? m.button.text, m.button.text) : null;
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker": {
      const media = m[m.type];
      return media ? mediaText(m.type, media) : null;
    }
    case "location": {
      const l = m.location;
      if (!l) return null;
      const label = [l.name, l.address].filter(Boolean).join(", ");
      return { type: "text", text: truncate(`[location] ${l.latitude},${l.longitude}${label ? ` ${label}` : ""}`, MAX_TEXT) };
    }
    default:
      return null; // reactions, system messages, unsupported kinds: nothing for the log
  }
}

/**
 * The items of a WhatsApp webhook body for the number `phoneNumberId`;
 * changes for other numbers, malformed and unknown entries are left out.
 */
export function parseWhatsAppWebhook(body: unknown, phoneNumberId: string): InboundItem[] {
  const payload = Payload.safeParse(body);
  if (!payload.success) return [];
  const items: InboundItem[] = [];
  for (const entry of payload.data.entry) {
    for (const change of entry.changes ?? []) {
      if (change.field !== undefined && change.field !== "messages") continue;
      const value = Value.safeParse(change.value);
      if (!value.success || value.data.metadata.phone_number_id !== phoneNumberId) continue;
      const names = new Map((value.data.contacts ?? []).flatMap((c) => (c.wa_id && c.profile?.name ? [[c.wa_id, c.profile.name] as const] : [])));
      for (const raw of value.data.messages ?? []) {
        const m = Message.safeParse(raw);
        if (!m.success) continue;
        const content = contentOf(m.data);
        if (!content) continue;
        // Shown to agents next to the person's messages: cleaned like every display name (protocol/names.ts).
        const given = names.get(m.data.from);
        const name = given === undefined ? undefined : cleanName(given);
        const media = mediaRefOf(m.data);
        items.push({
          kind: "message",
          key: m.data.id,
          channel: "whatsapp",
          from: m.data.from,
          at: m.data.timestamp * 1000,
          parts: [content],
          ...(media ? { whatsAppMedia: media } : {}),
          ...(name ? { name } : {}),
        });
      }
      for (const raw of value.data.statuses ?? []) {
        const s = Status.safeParse(raw);
        const status = s.success ? s.data.status : null;
        if (!s.success || (status !== "delivered" && status !== "read" && status !== "failed")) continue;
        const error = s.data.errors?.[0];
        items.push({
          kind: "receipt",
          key: `status:${s.data.id}:${status}`,
          channel: "whatsapp",
          from: s.data.recipient_id,
          at: s.data.timestamp * 1000,
          status,
          mids: [s.data.id],
          ...(status === "failed" ? { error: `WhatsApp reported the message failed: ${error?.title ?? error?.message ?? "no reason given"}${error?.code !== undefined ? ` (code ${error.code})` : ""}` } : {}),
        });
      }
    }
  }
  return items;
}
