// Attachments of the wire contract (API.md "Attachments"): the allowed content
// types, the record the API answers with, and which types a browser may show
// inline. Shared by the Worker, the SDK and the widget.

/** The content types an upload may declare, each with the media type it is sent as. */
export const ATTACHMENT_TYPES = {
  "image/jpeg": "image",
  "image/png": "image",
  "image/gif": "image",
  "image/webp": "image",
  "video/mp4": "video",
  "video/webm": "video",
  "audio/mpeg": "audio",
  "audio/ogg": "audio",
  "audio/webm": "audio",
  "audio/mp4": "audio",
  "application/pdf": "file",
  "text/plain": "file",
} as const;

export type AttachmentContentType = keyof typeof ATTACHMENT_TYPES;
export type AttachmentMediaType = (typeof ATTACHMENT_TYPES)[AttachmentContentType];

/** Default upload limit (API.md: 25 MiB unless the tenant sets another). */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;
/** The largest limit a tenant may set. */
export const MAX_ATTACHMENT_MAX_BYTES = 100 * 1024 * 1024;

/** What `POST /v1/attachments` answers and what a media event's `attachment` carries. */
export interface Attachment {
  id: string;
  conversationId: string;
  mediaType: AttachmentMediaType;
  contentType: AttachmentContentType;
  /** Bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  filename: string;
  /** Pixels, read from the image header; absent for non-images or unreadable headers. */
  width?: number;
  height?: number;
}

export function isAttachmentContentType(value: string): value is AttachmentContentType {
  return Object.hasOwn(ATTACHMENT_TYPES, value);
}

/** Raster images, video and audio are shown inline; everything else is a download (API.md). */
export function isInlineType(contentType: string): boolean {
  return /^(image\/(jpeg|png|gif|webp)|video\/|audio\/)/.test(contentType);
}

/**
 * Whether a media message may declare `mediaType` for an attachment of
 * `attachment` media type: the same, or `gif` for a GIF image.
 */
export function mediaTypeFits(declared: string, attachment: Pick<Attachment, "mediaType" | "contentType">): boolean {
  if (declared === attachment.mediaType) return true;
  return declared === "gif" && attachment.contentType === "image/gif";
}
