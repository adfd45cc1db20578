// Prefixed, URL-safe random ids (cnv_, evt_, dev_, …) and opaque secrets.
import { toHex } from "./crypto/encoding";

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

/**
 * `prefix_` + 22 base62 characters that sort by creation time: 8 characters of
 * the Unix time in milliseconds (fixed width; the alphabet is in ASCII order,
 * so string order is time order for the next 6,000 years), then 14 from the
 * CSPRNG (≈ 83 bits, so ids stay unique across objects). The same shape as
 * `newId(prefix)`. For ids a table keeps a UNIQUE index over: each new id lands
 * at the index's right edge instead of a random leaf, so an insert dirties the
 * same pages in a log of 100,000 rows as in an empty one (bench/BENCHMARKS.md,
 * "Follow-up (branch perf-read)").
 */
export function newOrderedId(prefix: string): string {
  let time = "";
  for (let t = Date.now(), i = 0; i < 8; i++, t = Math.floor(t / 62)) time = ALPHABET[t % 62] + time;
  return `${prefix}_${time}${newId(prefix, 14).slice(prefix.length + 1)}`;
}

/** A 256-bit opaque secret (refresh, guest and API key material). */
export function newSecret(prefix: string): string {
  return newId(prefix, 43);
}

export async function sha256Hex(value: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
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

/**
 * The person ids of messenger users (API.md "Messenger channels"):
 * `msgr_<psid>` and `wa_<wa_id>`. Like guest ids they name Customer DOs, so
 * an identity token's `sub` may not start with them either: it would open
 * that messenger user's threads.
 */
export const CHANNEL_PERSON_PREFIXES = { messenger: "msgr_", whatsapp: "wa_" } as const;

/**
 * Whether `userId` is a messenger user's person id (CHANNEL_PERSON_PREFIXES).
 * On the website such a person is like a guest: not proven by the business's
 * identity provider, so their device gets a guest token, and signing in with
 * an identity token merges their threads into the identified person (the
 * guest merge, a signed proof), which is how one person gets one thread everywhere.
 */
export function isChannelPerson(userId: string): boolean {
  return channelOfPerson(userId) !== null;
}

/**
 * Whether `userId` is not proven by the business's identity provider: a
 * guest, or a messenger user (isChannelPerson). Such a person's sessions say
 * `user.guest: true` and carry a guest token, and the business sees
 * `guest: true` for them in threads and the people index (API.md).
 */
export function isGuestLike(userId: string): boolean {
  return isGuestId(userId) || isChannelPerson(userId);
}

/** The messenger app of a messenger user's person id, or null for anyone else (CHANNEL_PERSON_PREFIXES). */
export function channelOfPerson(userId: string): keyof typeof CHANNEL_PERSON_PREFIXES | null {
  if (userId.startsWith(CHANNEL_PERSON_PREFIXES.messenger)) return "messenger";
  if (userId.startsWith(CHANNEL_PERSON_PREFIXES.whatsapp)) return "whatsapp";
  return null;
}

/**
 * The prefix of `userId` that only Carryover mints (a guest's `gst_`, a
 * messenger user's `msgr_` or `wa_`), or null: a business's identity token
 * may not claim such an id (src/auth/identity-token.ts).
 */
export function reservedPrefixOf(userId: string): string | null {
  return [`${GUEST_PREFIX}_`, ...Object.values(CHANNEL_PERSON_PREFIXES)].find((p) => userId.startsWith(p)) ?? null;
}

export function isConversationId(value: string): boolean {
  return /^cnv_[0-9A-Za-z]{22}$/.test(value);
}
