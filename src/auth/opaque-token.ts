// Carryover's opaque tokens (refresh, guest): `<prefix>_<sealed locator>.<secret>`.
// The locator says which Customer DO holds the token's hash; it is sealed with
// AES-GCM under a key derived from SESSION_SECRET, so a client learns nothing
// from it and cannot forge one. The token is valid only while that DO holds
// the SHA-256 hash of the whole token, which is what makes it revocable.
import { derivedKey } from "../crypto/derived-key";
import { fromBase64Url, toBase64Url } from "../crypto/encoding";
import { sha256Hex } from "../ids";
import { ServiceError } from "../protocol/errors";

export type OpaqueKind = "refresh" | "guest" | "agent-refresh";

// An agent's refresh token (the Agent DO `<tenant>:<agentId>`, session in `deviceId`) has its own kind and prefix.
const PREFIX: Record<OpaqueKind, string> = { refresh: "crt", guest: "cgt", "agent-refresh": "cat" };

/** Where the token's hash lives: the Customer DO `<tenant>:<userId>`, and for refresh tokens the device. */
export interface Locator {
  tenant: string;
  userId: string;
  deviceId?: string;
}

function sealingKey(secret: Uint8Array): Promise<CryptoKey> {
  return derivedKey(secret, "carryover/opaque-token/v1", "AES-GCM");
}

/** The bytes of a token part, or null when it is not base64url. */
function bytesOf(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return null;
  try {
    return fromBase64Url(value);
  } catch {
    return null;
  }
}

/** A new token of `kind` for `locator`, with 256 fresh random bits. */
export function mintOpaqueToken(secret: Uint8Array, kind: OpaqueKind, locator: Locator): Promise<string> {
  return sealToken(secret, kind, locator, crypto.getRandomValues(new Uint8Array(12)), crypto.getRandomValues(new Uint8Array(32)));
}

function successorKey(secret: Uint8Array): Promise<CryptoKey> {
  return derivedKey(secret, "carryover/refresh-successor/v1", "HMAC");
}

/**
 * The one refresh token of `kind` (a device's, or an agent session's) that
 * follows `presented` (same locator): derived with a keyed HMAC, so two
 * refreshes with the same token within the grace window get the same
 * successor without the successor ever being stored. Unpredictable without
 * SESSION_SECRET, like a minted token.
 */
export async function successorToken(
  secret: Uint8Array,
  presented: string,
  locator: Locator,
  kind: "refresh" | "agent-refresh" = "refresh",
): Promise<string> {
  const key = await successorKey(secret);
  const derive = async (label: string) =>
    new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${label}:${presented}`)));
  const iv = (await derive("iv")).slice(0, 12);
  return sealToken(secret, kind, locator, iv, await derive("secret"));
}

async function sealToken(secret: Uint8Array, kind: OpaqueKind, locator: Locator, iv: Uint8Array, random: Uint8Array): Promise<string> {
  const plain = new TextEncoder().encode(JSON.stringify({ t: locator.tenant, u: locator.userId, d: locator.deviceId }));
  // The kind is authenticated data: a guest token can never pass as a refresh token.
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(kind) }, await sealingKey(secret), plain),
  );
  const body = new Uint8Array(iv.length + sealed.length);
  body.set(iv);
  body.set(sealed, iv.length);
  return `${PREFIX[kind]}_${toBase64Url(body)}.${toBase64Url(random)}`;
}

/** The locator sealed in `token`, or invalid_token when it is not one of ours. */
export async function openOpaqueToken(secret: Uint8Array, kind: OpaqueKind, token: string): Promise<Locator> {
  const what = `${kind} token`;
  const match = /^([a-z]{3})_([A-Za-z0-9_-]{20,600})\.([A-Za-z0-9_-]{43})$/.exec(token);
  const body = match && match[1] === PREFIX[kind] ? bytesOf(match[2]!) : null;
  if (!body || body.length < 13) throw new ServiceError("invalid_token", `${what} is malformed`);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: body.slice(0, 12), additionalData: new TextEncoder().encode(kind) },
      await sealingKey(secret),
      body.slice(12),
    );
  } catch {
    throw new ServiceError("invalid_token", `${what} is invalid`);
  }
  const value: unknown = JSON.parse(new TextDecoder().decode(plain));
  if (typeof value !== "object" || value === null) throw new ServiceError("invalid_token", `${what} is invalid`);
  const { t, u, d } = value as Record<string, unknown>;
  if (typeof t !== "string" || typeof u !== "string") throw new ServiceError("invalid_token", `${what} is invalid`);
  const locator: Locator = { tenant: t, userId: u };
  if (typeof d === "string") locator.deviceId = d;
  return locator;
}

/** What the Customer DO stores and compares: never the token itself. */
export function tokenHash(token: string): Promise<string> {
  return sha256Hex(token);
}
