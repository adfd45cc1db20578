// Media a person sent in Messenger, fetched from the platform's URL into R2 as
// an attachment of their thread (the same record, limits and sniffing as a
// widget upload: src/attachments/), so the website shows it like an upload and
// the platform's short-lived URL is not what the log keeps. When the file
// cannot be stored (an unsupported type, over the tenant's limit, bytes that
// are not what the platform declared, the URL not answering) the message
// keeps the platform's URL, as before attachments existed. WhatsApp media
// (ids looked up first) are stored by the same steps: whatsapp-media.ts.
import { objectKey } from "../attachments/ids";
import { storeUpload } from "../attachments/upload";
import { findTenant } from "../directory/tenants";
import { settingsOf, type Env } from "../env";
import type { CustomerAccess } from "../protocol/access";
import { ATTACHMENT_TYPES, DEFAULT_ATTACHMENT_MAX_BYTES, isAttachmentContentType, mediaTypeFits, type Attachment } from "../protocol/attachment";
import type { Content } from "../protocol/content";
import { unwrap } from "../protocol/result";
import { sha256Hex } from "../ids";
import { webhookUrlProblem } from "../webhooks/url-policy";

/** How long the platform's CDN may take to answer. */
export const FETCH_TIMEOUT_MS = 20_000;

export type ConversationStub = ReturnType<Env["CONVERSATION"]["getByName"]>;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * The attachment id of one part of a platform message: derived from the
 * part's clientId, so an item processed again finds the file it stored
 * before and appends the same content (its clientId then matches).
 */
export async function mediaAttachmentId(conversationId: string, partClientId: string): Promise<string> {
  const digest = await sha256Hex(`carryover:channel-media:${conversationId}:${partClientId}`);
  let tail = "";
  for (let i = 0; i < 22; i++) tail += BASE62[parseInt(digest.slice(i * 2, i * 2 + 2), 16) % 62];
  return `att_${conversationId.slice(4)}${tail}`;
}

/** A file name for the attachment: the URL's last path segment when it is a plain name, else the media type. */
function filenameOf(url: string, mediaType: string): string {
  const last = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  return /^[\w][\w.-]{0,99}$/.test(last) ? last : mediaType;
}

/** What a media download answered, checked against the tenant's limit before anything is stored. */
export interface Download {
  res: Response;
  /** The declared type without parameters, lowercase ("audio/ogg; codecs=opus" → "audio/ogg"). */
  contentType: string;
  filename: string;
  /** What the platform said the file's size is before the download (WhatsApp's file_size), if it did. */
  announcedSize?: number;
  /** What the platform said the file's SHA-256 is (lowercase hex), checked after storing. */
  sha256?: string;
}

/** A Content-Type header's media type without parameters, lowercase. */
export function typeOf(header: string | null | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Stores a platform's answer as attachment `id` of the thread, or returns
 * null (the answer's body released, the reason logged) when it cannot be
 * stored: see the module comment. Throws only when the thread refuses.
 */
export async function storeDownload(env: Env, stub: ConversationStub, access: CustomerAccess, conversationId: string, id: string, download: Download): Promise<Attachment | null> {
  const { res, contentType, filename } = download;
  const tenant = await findTenant(env.DB, access.tenant);
  const maxBytes = tenant?.attachments?.maxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  const lengthHeader = res.headers.get("content-length");
  const declaredLength = lengthHeader === null ? null : Number(lengthHeader);
  const withinLimit = (n: number | null | undefined) => n === null || n === undefined || (Number.isSafeInteger(n) && n > 0 && n <= maxBytes);
  const fits = withinLimit(declaredLength) && withinLimit(download.announcedSize);
  if (!res.ok || !res.body || !isAttachmentContentType(contentType) || !fits) {
    await res.body?.cancel().catch(() => undefined);
    console.warn(`channel media: not stored (HTTP ${res.status}, ${contentType || "no type"}, ${lengthHeader ?? download.announcedSize ?? "?"} bytes)`);
    return null;
  }
  // A run cut off mid-upload left a reservation: start over (R2 overwrites the key).
  await stub.discardAttachment(id);
  unwrap(await stub.reserveAttachment(access, id));
  const key = objectKey(access.tenant, conversationId, id);
  let stored;
  try {
    stored = await storeUpload(env.ATTACHMENTS, key, res.body, {
      contentType,
      declaredLength,
      maxBytes,
      httpMetadata: { contentType },
      customMetadata: { filename, conversationId },
    });
  } catch (err) {
    await stub.discardAttachment(id);
    console.warn("channel media: not stored", err);
    return null;
  }
  if (download.sha256 !== undefined && download.sha256 !== stored.sha256) {
    await env.ATTACHMENTS.delete(key);
    await stub.discardAttachment(id);
    console.warn("channel media: not stored (the bytes' SHA-256 is not the one the platform announced)");
    return null;
  }
  const attachment: Attachment = {
    id,
    conversationId,
    mediaType: ATTACHMENT_TYPES[contentType],
    contentType,
    size: stored.size,
    sha256: stored.sha256,
    filename,
    ...(stored.width !== undefined && stored.height !== undefined ? { width: stored.width, height: stored.height } : {}),
  };
  const completed = await stub.completeAttachment(access, attachment);
  if (!completed.ok) {
    await env.ATTACHMENTS.delete(key);
    return null;
  }
  return attachment;
}

/** A media content of `attachment`, keeping the declared media type when it fits (a GIF stays `gif`). */
export function mediaOf(declared: string, caption: string | undefined, attachment: Attachment): Content {
  const mediaType = mediaTypeFits(declared, attachment) ? (declared as Extract<Content, { type: "media" }>["mediaType"]) : attachment.mediaType;
  return { type: "media", mediaType, attachmentId: attachment.id, ...(caption !== undefined ? { caption } : {}) };
}

/**
 * `content` with a platform media URL replaced by an attachment of the
 * thread (`attachmentId`), or `content` unchanged when it has no URL or the
 * file cannot be stored (see the module comment). Never throws for the
 * platform's failures; throws when the thread itself refuses (the item is
 * then retried).
 */
export async function importMedia(
  env: Env,
  stub: ConversationStub,
  access: CustomerAccess,
  conversationId: string,
  partClientId: string,
  content: Content,
): Promise<Content> {
  if (content.type !== "media" || content.url === undefined) return content;
  const url = content.url;
  // The server fetches it: the rule for any URL the server calls on someone's word (webhooks'):
  // https only, no private, loopback or link-local address (locally, with DEV_SEED, localhost too).
  if (webhookUrlProblem(url, settingsOf(env).devSeed) !== null) return content;
  const id = await mediaAttachmentId(conversationId, partClientId);
  // Stored by an earlier run of this item: the same content again.
  const earlier = await stub.attachment(access, id);
  if (earlier.ok) return mediaOf(content.mediaType, content.caption, earlier.value);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    console.warn("channel media: the platform URL did not answer; kept as a URL", err);
    return content;
  }
  const contentType = typeOf(res.headers.get("content-type"));
  const attachment = await storeDownload(env, stub, access, conversationId, id, { res, contentType, filename: filenameOf(url, content.mediaType) });
  return attachment ? mediaOf(content.mediaType, content.caption, attachment) : content;
}
