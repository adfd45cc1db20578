// Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app
// secret, raw body)>`. Checked over the exact bytes received, before parsing.
import { toHex } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { sameSecret } from "../crypto/same-secret";

/** The header value Meta would send for `body` signed with `appSecret`. */
export async function hubSignature(appSecret: string, body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return `sha256=${toHex(await hmacSha256(new TextEncoder().encode(appSecret), bytes))}`;
}

/**
 * Whether `header` is a valid `sha256=` signature of `body` under `appSecret`.
 * Compared in constant time (timingSafeEqual over equal-length digests of
 * both values), so neither a prefix nor the length leaks.
 */
export async function verifyHubSignature(appSecret: string, body: Uint8Array, header: string | undefined): Promise<boolean> {
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header.trim())) return false;
  const expected = await hubSignature(appSecret, body);
  return sameSecret(header.trim().toLowerCase(), expected);
}
