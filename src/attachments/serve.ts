// The content response of an attachment (API.md "Attachments"): the stored
// type with nosniff, a sandboxing CSP, inline only for raster images, video
// and audio (a download for everything else), private caching, and byte
// ranges (RFC 9110 §14) so video and audio can seek.
import { isInlineType } from "../protocol/attachment";

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187). */
export function contentDisposition(contentType: string, filename: string): string {
  const kind = isInlineType(contentType) ? "inline" : "attachment";
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export function contentHeaders(contentType: string, filename: string): Headers {
  return new Headers({
    "content-type": contentType,
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "content-disposition": contentDisposition(contentType, filename),
    "cache-control": "private",
    "accept-ranges": "bytes",
  });
}

export type ByteRange = { offset: number; length: number };

/**
 * The one byte range a `Range` header asks of a `size`-byte object: a range,
 * "unsatisfiable", or null when there is no header or it is not a single
 * bytes range (then the whole object is sent, as RFC 9110 allows).
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return { offset: start, length: end - start + 1 };
}
