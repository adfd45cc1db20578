// One-off HMAC-SHA-256 under a key given as bytes (keys used on every request
// are imported once and cached by their callers instead: auth/own-token.ts).

/** HMAC-SHA-256 of `data` under the raw key `key`. */
export async function hmacSha256(key: ArrayBuffer | ArrayBufferView, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", imported, data);
}
