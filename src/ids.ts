// Prefixed, URL-safe random ids (cnv_, evt_, dev_, …) and opaque secrets.

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `prefix_` + `length` base62 characters from the platform CSPRNG. */
export function newId(prefix: string, length = 22): string {
  let out = "";
  while (out.length < length) {
    // 62 * 4 = 248: dropping bytes ≥ 248 keeps every character equally likely.
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return `${prefix}_${out}`;
}

/** A 256-bit opaque secret (refresh, guest and API key material). */
export function newSecret(prefix: string): string {
  return newId(prefix, 43);
}

/** Two lower-case hex digits per byte value, built once. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  // A loop over a table, not spread + map + padStart: every session creation hashes its refresh token.
  let hex = "";
  for (const b of digest) hex += HEX[b];
  return hex;
}

/**
 * Guest user ids are `gst_` + 22 base62 characters (src/http/sessions.ts mints
 * them). They name Customer DOs like any user id, so an identity token's `sub`
 * may never start with this (src/auth/identity-token.ts refuses it).
 */
export const GUEST_PREFIX = "gst";

/** Whether `userId` was minted for a guest (see GUEST_PREFIX). */
export function isGuestId(userId: string): boolean {
  return userId.startsWith(`${GUEST_PREFIX}_`);
}

export function isConversationId(value: string): boolean {
  return /^cnv_[0-9A-Za-z]{22}$/.test(value);
}
