// Endpoint secrets at rest: they must stay usable for signing, so they are
// encrypted (AES-256-GCM, the endpoint id as associated data) rather than
// hashed. The key is derived with HKDF from WEBHOOK_SECRETS_KEY, or from
// SESSION_SECRET when that is not set (rotating it then invalidates every
// stored webhook secret: rotate the endpoints' secrets after).
import type { Env } from "../env";
import { settingsOf } from "../env";

const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(env: Env): Promise<CryptoKey> {
  if (env.WEBHOOK_SECRETS_KEY !== undefined && env.WEBHOOK_SECRETS_KEY.length < 32) {
    throw new Error("WEBHOOK_SECRETS_KEY must be at least 32 characters (wrangler secret put WEBHOOK_SECRETS_KEY)");
  }
  const material = env.WEBHOOK_SECRETS_KEY ?? new TextDecoder().decode(settingsOf(env).sessionKey);
  let key = keys.get(material);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(material), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("carryover webhook secrets v1") },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keys.set(material, key);
  }
  return key;
}

function b64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** `v1.<base64 iv>.<base64 ciphertext>` of `secret`, bound to `endpointId`. */
export async function sealSecret(env: Env, endpointId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(endpointId) },
    await keyOf(env),
    new TextEncoder().encode(secret),
  );
  return `v1.${b64(iv)}.${b64(new Uint8Array(data))}`;
}

/** The secret sealed by `sealSecret`; throws when the key or the endpoint id do not match. */
export async function openSecret(env: Env, endpointId: string, sealed: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("unknown sealed secret format");
  const bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes(iv), additionalData: new TextEncoder().encode(endpointId) },
    await keyOf(env),
    bytes(data),
  );
  return new TextDecoder().decode(plain);
}
