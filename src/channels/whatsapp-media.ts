// Media a person sent in WhatsApp, fetched into R2 as an attachment of their
// thread like Messenger media (inbound-media.ts: the upload's allowed types,
// the tenant's size limit, sniffing, a deterministic attachment id). The
// Cloud API sends a media id, not a URL: `GET <graph base>/<media-id>` with
// the channel's token answers `{ url, mime_type, sha256, file_size, id }`,
// and the url (short-lived) is downloaded with the same token (WhatsApp
// Cloud API reference, "Media": retrieve media URL, download media). When the
// file cannot be stored the message keeps its text ("[image] caption").
import * as z from "../zod";
import type { Env } from "../env";
import type { CustomerAccess } from "../protocol/access";
import type { AttachmentMediaType } from "../protocol/attachment";
import type { Content } from "../protocol/content";
import type { WhatsAppMediaRef } from "./inbound";
import { FETCH_TIMEOUT_MS, mediaAttachmentId, mediaOf, storeDownload, typeOf, type ConversationStub } from "./inbound-media";
import { graphBaseOf } from "./send";
import { findChannel } from "./settings";
import { truncate } from "./text";

/** How long the Graph API may take to answer the media lookup. */
const LOOKUP_TIMEOUT_MS = 15_000;
/** A caption as the log keeps it (API.md: media captions ≤ 1024). */
const MAX_CAPTION = 1024;

/** What the media lookup answers (file_size comes as a string or a number). */
const MediaInfo = z.looseObject({
  url: z.url({ protocol: /^https$/ }),
  mime_type: z.optional(z.string()),
  sha256: z.optional(z.string()),
  file_size: z.optional(z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))])),
  id: z.optional(z.string()),
});

/** The log's media type for a WhatsApp media kind (stickers are WebP images). */
const MEDIA_TYPES: Record<WhatsAppMediaRef["kind"], AttachmentMediaType> = {
  image: "image",
  video: "video",
  audio: "audio",
  document: "file",
  sticker: "image",
};

/** A document's name when it is a plain file name, else the media type (as for Messenger URLs). */
function filenameOf(ref: WhatsAppMediaRef, mediaType: string): string {
  const name = ref.filename?.trim() ?? "";
  return /^[\w][\w .()-]{0,99}$/.test(name) && !name.endsWith(" ") ? name : mediaType;
}

/**
 * `fallback` (the message's text) replaced by a `media` content of an
 * attachment holding the WhatsApp file `ref`, fetched with the tenant's
 * WhatsApp channel token; `fallback` when the channel is gone, the lookup or
 * download fails, or the file cannot be stored. An item processed again
 * finds the attachment of its earlier run (no Graph call). Never throws for
 * the platform's failures; throws when the thread itself refuses.
 */
export async function importWhatsAppMedia(
  env: Env,
  stub: ConversationStub,
  access: CustomerAccess,
  conversationId: string,
  partClientId: string,
  ref: WhatsAppMediaRef,
  fallback: Content,
): Promise<Content> {
  const mediaType = MEDIA_TYPES[ref.kind];
  const caption = ref.caption?.trim() ? truncate(ref.caption, MAX_CAPTION) : undefined;
  const id = await mediaAttachmentId(conversationId, partClientId);
  const earlier = await stub.attachment(access, id);
  if (earlier.ok) return mediaOf(mediaType, caption, earlier.value);
  const config = await findChannel(env, access.tenant, "whatsapp");
  if (!config) return fallback;
  const authorization = `Bearer ${config.accessToken}`;
  let info: z.infer<typeof MediaInfo>;
  try {
    const res = await fetch(`${graphBaseOf(env, config)}/${encodeURIComponent(ref.id)}`, {
      headers: { authorization },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    const body: unknown = await res.json().catch(() => null);
    const parsed = MediaInfo.safeParse(body);
    if (!res.ok || !parsed.success) {
      console.warn(`whatsapp media ${ref.id}: lookup answered HTTP ${res.status}; kept as text`, JSON.stringify(body)?.slice(0, 300));
      return fallback;
    }
    info = parsed.data;
  } catch (err) {
    console.warn(`whatsapp media ${ref.id}: lookup did not answer; kept as text`, err);
    return fallback;
  }
  let res: Response;
  try {
    res = await fetch(info.url, { headers: { authorization }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    console.warn(`whatsapp media ${ref.id}: download did not answer; kept as text`, err);
    return fallback;
  }
  // The lookup's type is the file's; the download's header is a CDN's guess.
  const contentType = typeOf(info.mime_type ?? ref.mimeType ?? res.headers.get("content-type"));
  const sha256 = info.sha256?.toLowerCase();
  const attachment = await storeDownload(env, stub, access, conversationId, id, {
    res,
    contentType,
    filename: filenameOf(ref, mediaType),
    ...(info.file_size !== undefined ? { announcedSize: info.file_size } : {}),
    ...(sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? { sha256 } : {}),
  });
  return attachment ? mediaOf(mediaType, caption, attachment) : fallback;
}
