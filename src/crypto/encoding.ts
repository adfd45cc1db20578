// Bytes as text: base64 (RFC 4648 §4), base64url without padding (§5: tokens,
// cursors, MACs in URLs) and lower-case hex (digests).

/** Standard base64 of `bytes`, with padding. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The bytes of standard base64 `text`. @throws DOMException when it is not base64 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Base64url of `bytes`, without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of base64url `text` (padding optional). @throws DOMException when it is not base64url */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "="));
}

/** Two lower-case hex digits per byte value, built once. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lower-case hex of `bytes`. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  // A loop over a table, not spread + map + padStart: every session creation hashes its refresh token.
  let hex = "";
  for (const b of new Uint8Array(bytes)) hex += HEX[b];
  return hex;
}
