// Minimal real files of every allowed attachment type, built byte by byte
// (with real checksums and compression where the format has them), and
// helpers to upload them.
import { api } from "./helpers";

const enc = new TextEncoder();

function bytes(...parts: (number[] | Uint8Array | string)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function u32be(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function u16le(n: number): number[] {
  return [n & 255, (n >>> 8) & 255];
}

function u32le(n: number): number[] {
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A `width`×`height` RGB PNG (IHDR, zlib-compressed IDAT, IEND, with CRCs). */
export async function png(width = 3, height = 2): Promise<Uint8Array> {
  const chunk = (type: string, data: Uint8Array) => {
    const body = bytes(type, data);
    return bytes(u32be(data.length), body, u32be(crc32(body)));
  };
  const rows = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) rows.fill(200, y * (1 + width * 3) + 1, (y + 1) * (1 + width * 3));
  const ihdr = bytes(u32be(width), u32be(height), [8, 2, 0, 0, 0]);
  return bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], chunk("IHDR", ihdr), chunk("IDAT", await zlib(rows)), chunk("IEND", new Uint8Array()));
}

/** A 1×1 GIF89a with a two-colour palette. */
export function gif(): Uint8Array {
  return bytes("GIF89a", u16le(1), u16le(1), [0x80, 0, 0, 255, 255, 255, 0, 0, 0], [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0], [2, 2, 0x44, 0x01, 0], [0x3b]);
}

/**
 * A baseline grayscale JPEG of `width`×`height` ≤ 8×8 (one block): DQT,
 * SOF0, one-code DC and AC Huffman tables, SOS with a single zero block.
 */
export function jpeg(width = 5, height = 4): Uint8Array {
  const segment = (marker: number, data: number[]) => [0xff, marker, ...[(data.length + 2) >> 8, (data.length + 2) & 255], ...data];
  return bytes(
    [0xff, 0xd8],
    segment(0xe0, [...enc.encode("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0]),
    segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    [0x3f, 0xff, 0xd9],
  );
}

/** A 1×1 lossless WebP (RIFF, VP8L). */
export function webp(): Uint8Array {
  const vp8l = [0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07];
  const chunk = bytes("VP8L", u32le(vp8l.length), vp8l, [0]);
  return bytes("RIFF", u32le(4 + chunk.length), "WEBP", chunk);
}

function box(type: string, ...content: (number[] | Uint8Array | string)[]): Uint8Array {
  const body = bytes(...content);
  return bytes(u32be(8 + body.length), type, body);
}

/** An ISO BMFF file: `ftyp` with `brand`, and an empty `mdat`. */
export function mp4(brand = "isom"): Uint8Array {
  return bytes(box("ftyp", brand, u32be(0x200), brand, "mp41"), box("mdat"));
}

/** An EBML header with DocType `webm` and an empty Segment. */
export function webm(): Uint8Array {
  const header = [
    [0x42, 0x86, 0x81, 1],
    [0x42, 0xf7, 0x81, 1],
    [0x42, 0xf2, 0x81, 4],
    [0x42, 0xf3, 0x81, 8],
    [0x42, 0x82, 0x84, ...enc.encode("webm")],
    [0x42, 0x87, 0x81, 2],
    [0x42, 0x85, 0x81, 2],
  ].flat();
  return bytes([0x1a, 0x45, 0xdf, 0xa3, 0x80 | header.length], header, [0x18, 0x53, 0x80, 0x67, 0x80]);
}

/** One silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz: 417 bytes). */
export function mp3(): Uint8Array {
  return bytes([0xff, 0xfb, 0x90, 0x64], new Uint8Array(413));
}

function oggCrc(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

/** The first Ogg page of an Opus stream (OpusHead), with its CRC. */
export function ogg(): Uint8Array {
  const opusHead = bytes("OpusHead", [1, 1], u16le(312), u32le(48000), u16le(0), [0]);
  const page = bytes("OggS", [0, 2], new Uint8Array(8), u32le(1), u32le(0), u32le(0), [1, opusHead.length], opusHead);
  const crc = oggCrc(page);
  page.set(u32le(crc), 22);
  return page;
}

export function pdf(): Uint8Array {
  return enc.encode(
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
  );
}

export function text(): Uint8Array {
  return enc.encode("Order 1234: the hinge broke. Grüße!\n");
}

export const HTML = enc.encode("<!doctype html><html><body><script>alert(document.cookie)</script></body></html>");
export const SVG = enc.encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface UploadedAttachment {
  id: string;
  conversationId: string;
  mediaType: string;
  contentType: string;
  size: number;
  sha256: string;
  filename: string;
  width?: number;
  height?: number;
}

export function upload(
  token: string,
  conversationId: string,
  body: BodyInit,
  contentType: string,
  filename = "file.bin",
  headers: Record<string, string> = {},
): Promise<Response> {
  const query = new URLSearchParams({ conversationId, filename });
  return api(`/v1/attachments?${query.toString()}`, { method: "POST", token, body, headers: { "content-type": contentType, ...headers } });
}

export async function uploaded(token: string, conversationId: string, body: Uint8Array, contentType: string, filename: string): Promise<UploadedAttachment> {
  const res = await upload(token, conversationId, body, contentType, filename);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { attachment: UploadedAttachment }).attachment;
}
