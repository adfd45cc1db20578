// The `ref` of an m.me channel link (website → Messenger): a compact,
// HMAC-signed, one-time proof that whoever opens Messenger with it may
// continue one conversation of one tenant there. Compact because it travels
// in a URL parameter that Meta hands back verbatim; one-time because the
// conversation records its id when it is redeemed (channel-sends.ts).
//
// Format: `cl1.<conversationId>.<id>.<exp, base 36 seconds>.<base64url MAC, 128 bits>`;
// the MAC covers the tenant too, so a ref never works for another tenant.
import { toBase64Url } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { sameSecret } from "../crypto/same-secret";
import { newId } from "../ids";

export const LINK_REF_TTL_S = 60 * 60;
const VERSION = "cl1";

export interface LinkRef {
  conversationId: string;
  /** The one-time id, recorded when redeemed. */
  id: string;
  expiresAt: number;
}

async function mac(key: Uint8Array, tenant: string, conversationId: string, id: string, exp: string): Promise<string> {
  const data = new TextEncoder().encode(`carryover:channel-link:${tenant}:${conversationId}:${id}:${exp}`);
  return toBase64Url(new Uint8Array(await hmacSha256(key, data)).slice(0, 16));
}

/** A signed ref for `conversationId` of `tenant`, valid for LINK_REF_TTL_S. */
export async function signLinkRef(key: Uint8Array, tenant: string, conversationId: string, now = Date.now()): Promise<{ ref: string; expiresAt: string }> {
  const id = newId("lnk", 12);
  const exp = Math.floor(now / 1000) + LINK_REF_TTL_S;
  const expText = exp.toString(36);
  const ref = `${VERSION}.${conversationId}.${id}.${expText}.${await mac(key, tenant, conversationId, id, expText)}`;
  return { ref, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * What a ref proves for `tenant`, or null when it is not a channel-link ref,
 * is forged, belongs to another tenant or has expired. (Refs from ads and
 * other links are ordinary strings and simply give null.)
 */
export async function verifyLinkRef(key: Uint8Array, tenant: string, ref: string, now = Date.now()): Promise<LinkRef | null> {
  const parts = ref.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) return null;
  const [, conversationId, id, expText, given] = parts as [string, string, string, string, string];
  if (!/^cnv_[0-9A-Za-z]{22}$/.test(conversationId) || !/^lnk_[0-9A-Za-z]{12}$/.test(id) || !/^[0-9a-z]{1,10}$/.test(expText)) return null;
  const expected = await mac(key, tenant, conversationId, id, expText);
  if (!(await sameSecret(given, expected))) return null;
  const exp = parseInt(expText, 36);
  if (exp * 1000 < now) return null;
  return { conversationId, id, expiresAt: exp * 1000 };
}
