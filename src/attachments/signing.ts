// Signed content URLs: `/v1/attachments/:id/content?tenant=&exp=&sig=`, where
// sig = base64url(HMAC-SHA256(key, "carryover:attachment:v1\n" + tenant + "\n"
// + id + "\n" + exp)). The URL works without credentials (for <img>, <video>
// and downloads) for at most URL_TTL_SECONDS, and only for that tenant and id.
// The key is the Worker's SESSION_SECRET; the prefix keeps these MACs apart
// from every other use of that secret.
import { hmacKeyOf } from "../auth/own-token";
import { fromBase64Url, toBase64Url } from "../crypto/encoding";

const PREFIX = "carryover:attachment:v1";

/** How long a content URL works: 15 minutes (API.md: at most 15 minutes). */
export const URL_TTL_SECONDS = 15 * 60;

function message(tenant: string, id: string, exp: number): Uint8Array {
  return new TextEncoder().encode(`${PREFIX}\n${tenant}\n${id}\n${exp}`);
}

/** The bytes of a signature (43 base64url characters: 256 bits), or null. */
function signatureBytes(text: string): Uint8Array | null {
  return /^[A-Za-z0-9_-]{43}$/.test(text) ? fromBase64Url(text) : null;
}

export interface SignedUrl {
  /** Path and query, relative to the API's origin. */
  path: string;
  /** Epoch seconds. */
  exp: number;
}

/** A content URL for `id` of `tenant`, valid for URL_TTL_SECONDS from `nowSeconds`. */
export async function signContentUrl(secret: Uint8Array, tenant: string, id: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<SignedUrl> {
  const exp = nowSeconds + URL_TTL_SECONDS;
  const sig = toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKeyOf(secret), message(tenant, id, exp))));
  const query = new URLSearchParams({ tenant, exp: String(exp), sig });
  return { path: `/v1/attachments/${id}/content?${query.toString()}`, exp };
}

/**
 * Whether `sig` signs (tenant, id, exp) and exp has not passed. An exp
 * further ahead than URL_TTL_SECONDS is refused too, whatever signs it.
 * Compared by crypto.subtle.verify, in constant time.
 */
export async function verifyContentUrl(
  secret: Uint8Array,
  input: { tenant: string; id: string; exp: number; sig: string },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  if (!Number.isSafeInteger(input.exp) || input.exp < nowSeconds || input.exp > nowSeconds + URL_TTL_SECONDS + 60) return false;
  const sig = signatureBytes(input.sig);
  if (!sig) return false;
  return crypto.subtle.verify("HMAC", await hmacKeyOf(secret), sig, message(input.tenant, input.id, input.exp));
}
