// Magic-number sniffing and image dimensions, from the first bytes of an
// upload. A file is accepted only when its bytes are what its declared type
// says (WHATWG MIME Sniffing §6 signatures, ISO BMFF `ftyp`, EBML DocType,
// MPEG audio frame sync), so an HTML or SVG file named `.png` never becomes
// an image. Dimensions come from the format headers (PNG IHDR, GIF logical
// screen, WebP VP8/VP8L/VP8X, JPEG SOFn), never from decoding pixels.
import type { AttachmentContentType } from "../protocol/attachment";

/** How many leading bytes the sniffer wants: enough for a JPEG SOF after a typical EXIF block. */
export const SNIFF_BYTES = 64 * 1024;

export interface Sniffed {
  width?: number;
  height?: number;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function u16be(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

function u16le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

function u24le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16);
}

function u32be(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

function dims(width: number, height: number): Sniffed {
  return width > 0 && height > 0 ? { width, height } : {};
}

function png(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return null;
  // The first chunk is IHDR: width and height, big-endian, at 16 and 20.
  if (!startsWith(b, ascii("IHDR"), 12)) return {};
  return dims(u32be(b, 16), u32be(b, 20));
}

function gif(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, ascii("GIF87a")) && !startsWith(b, ascii("GIF89a"))) return null;
  return b.length >= 10 ? dims(u16le(b, 6), u16le(b, 8)) : {};
}

function webp(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, ascii("RIFF")) || !startsWith(b, ascii("WEBP"), 8)) return null;
  if (startsWith(b, ascii("VP8 "), 12) && startsWith(b, [0x9d, 0x01, 0x2a], 23)) {
    return dims(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (startsWith(b, ascii("VP8L"), 12) && b[20] === 0x2f && b.length >= 25) {
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
    return dims((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (startsWith(b, ascii("VP8X"), 12) && b.length >= 30) return dims(u24le(b, 24) + 1, u24le(b, 27) + 1);
  return {};
}

/** Start-of-frame markers that carry the image size (not DHT C4, JPG C8, DAC CC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpeg(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, [0xff, 0xd8, 0xff])) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return {};
    const marker = b[i + 1] ?? 0;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (isSof(marker)) return dims(u16be(b, i + 7), u16be(b, i + 5));
    if (marker === 0xda || marker === 0xd9) return {};
    i += 2 + u16be(b, i + 2);
  }
  return {};
}

/** ISO base media file format (MP4, M4A): a `ftyp` box first. */
function isoBmff(b: Uint8Array): boolean {
  return startsWith(b, ascii("ftyp"), 4) && u32be(b, 0) >= 8;
}

/** Matroska/WebM: the EBML magic, and a DocType of `webm` within the header. */
function webm(b: Uint8Array): boolean {
  if (!startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return false;
  const head = b.subarray(0, Math.min(b.length, 64));
  const docType = [0x42, 0x82];
  for (let i = 4; i + 2 < head.length; i++) {
    if (head[i] === docType[0] && head[i + 1] === docType[1]) {
      const size = (head[i + 2] ?? 0) & 0x7f;
      return new TextDecoder().decode(head.subarray(i + 3, i + 3 + size)) === "webm";
    }
  }
  return false;
}

/** MP3: an ID3v2 tag, or an MPEG audio frame header (sync, valid version, layer and bitrate). */
function mpegAudio(b: Uint8Array): boolean {
  if (startsWith(b, ascii("ID3"))) return true;
  if (b.length < 4 || b[0] !== 0xff) return false;
  const b1 = b[1] ?? 0;
  const b2 = b[2] ?? 0;
  return (b1 & 0xe0) === 0xe0 && (b1 & 0x18) !== 0x08 && (b1 & 0x06) !== 0 && (b2 & 0xf0) !== 0xf0 && (b2 & 0x0c) !== 0x0c;
}

/**
 * Plain text: valid UTF-8 (a character cut at the end of `head` is fine),
 * no NUL or other binary control bytes, and not a known binary signature.
 */
function plainText(b: Uint8Array, complete: boolean): boolean {
  for (const byte of b) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b) || byte === 0x7f) return false;
  }
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(b, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks `head` (the first bytes of a file, up to SNIFF_BYTES; `complete`
 * when it is the whole file) against the declared content type. Returns what
 * was read from the header, or null when the bytes are something else.
 */
export function sniff(declared: AttachmentContentType, head: Uint8Array, complete: boolean): Sniffed | null {
  switch (declared) {
    case "image/png":
      return png(head);
    case "image/gif":
      return gif(head);
    case "image/webp":
      return webp(head);
    case "image/jpeg":
      return jpeg(head);
    case "video/mp4":
    case "audio/mp4":
      return isoBmff(head) ? {} : null;
    case "video/webm":
    case "audio/webm":
      return webm(head) ? {} : null;
    case "audio/mpeg":
      return mpegAudio(head) ? {} : null;
    case "audio/ogg":
      return startsWith(head, ascii("OggS\0")) ? {} : null;
    case "application/pdf":
      return startsWith(head, ascii("%PDF-")) ? {} : null;
    case "text/plain":
      return head.length > 0 && plainText(head, complete) ? {} : null;
  }
}
