// Verified customer session tokens, remembered per isolate until they expire:
// every customer API call carries one, and verifying it again (HMAC over the
// token, JSON of header and claims, the agent-token sniff) was a measurable
// part of an append (bench/BENCHMARKS.md). Safe because a session token is
// immutable and bound to its signature: the exact token string that verified
// once verifies again until its `exp`. Revocation is not this cache's
// business: it is checked per request after it (the Customer DO, or the
// thread's own list, src/conversation/revoked-sessions.ts), as before.
import type { CustomerAccess } from "../protocol/access";
import { verifySessionClaims } from "./session-token";

/** At most this many tokens per isolate; the oldest is forgotten first (it only costs a verification). */
const MAX_TOKENS = 10_000;

interface Verified {
  access: CustomerAccess;
  /** The token's `exp`, seconds since the epoch. */
  exp: number;
}

/** The tokens verified with the current signing key (a new key, a new map: no token outlives its secret). */
let current: { key: Uint8Array; tokens: Map<string, Verified> } | null = null;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compared by content, not identity: the key's bytes may be a new array per `env` object. */
function cacheOf(key: Uint8Array): Map<string, Verified> {
  if (current?.key !== key) {
    current = current && sameBytes(current.key, key) ? { key, tokens: current.tokens } : { key, tokens: new Map() };
  }
  return current.tokens;
}

/**
 * The access of `token` when this isolate verified exactly this token with
 * `key` before and it has not expired at `nowMs` (jose's rule: valid while
 * `exp` is after the current second); null otherwise, and an expired entry is
 * dropped, so the caller verifies and gets `token_expired` as without a cache.
 * A copy: callers may add to it.
 */
export function rememberedSession(key: Uint8Array, token: string, nowMs = Date.now()): CustomerAccess | null {
  const cache = cacheOf(key);
  const hit = cache.get(token);
  if (!hit) return null;
  if (hit.exp <= Math.floor(nowMs / 1000)) {
    cache.delete(token);
    return null;
  }
  return { ...hit.access };
}

/**
 * Verifies a customer session token (session-token.ts) and remembers it until
 * its `exp`. Throws as verifySessionToken (token_expired, invalid_token);
 * nothing is remembered then.
 */
export async function verifyAndRememberSession(key: Uint8Array, token: string): Promise<CustomerAccess> {
  const { access, exp } = await verifySessionClaims(key, token);
  const cache = cacheOf(key);
  if (cache.size >= MAX_TOKENS) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(token, { access: { ...access }, exp });
  return access;
}
