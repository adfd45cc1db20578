// Channel secrets at rest: AES-256-GCM with a key derived (HKDF-SHA-256) from
// the CHANNEL_SECRETS_KEY Worker secret. The tenant and channel kind are the
// additional data, so a ciphertext copied to another row does not decrypt.
import type { Env } from "../env";

/** Used only with DEV_SEED=true and no CHANNEL_SECRETS_KEY, so `npm run dev` works on a fresh clone. */
const DEV_CHANNEL_SECRETS_KEY = "dev-channel-secrets-key-change-me-0123456789";
const FORMAT = "v1";

const keys = new Map<string, Promise<CryptoKey>>();

function keyMaterialOf(env: Pick<Env, "CHANNEL_SECRETS_KEY" | "DEV_SEED">): string {
  const material = env.CHANNEL_SECRETS_KEY ?? (env.DEV_SEED === "true" ? DEV_CHANNEL_SECRETS_KEY : undefined);
  if (!material || material.length < 32) {
    throw new Error("CHANNEL_SECRETS_KEY must be set to at least 32 characters (wrangler secret put CHANNEL_SECRETS_KEY)");
  }
  return material;
}

function aesKey(material: string): Promise<CryptoKey> {
  let key = keys.get(material);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(material), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("carryover channel secrets v1") },
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

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(value: string): Uint8Array<ArrayBuffer> {
  const s = atob(value);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Encrypts `secrets` (any JSON) for one tenant's channel. Returns
 * `v1.<base64 iv>.<base64 ciphertext+tag>`; a fresh 96-bit IV every time.
 * Throws when no key is configured (see keyMaterialOf).
 */
export async function sealSecrets(env: Pick<Env, "CHANNEL_SECRETS_KEY" | "DEV_SEED">, scope: string, secrets: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(scope) },
    await aesKey(keyMaterialOf(env)),
    new TextEncoder().encode(JSON.stringify(secrets)),
  );
  return `${FORMAT}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** Decrypts what sealSecrets wrote for the same `scope`; throws on a wrong key, scope or a tampered value. */
export async function openSecrets(env: Pick<Env, "CHANNEL_SECRETS_KEY" | "DEV_SEED">, scope: string, sealed: string): Promise<unknown> {
  const [format, iv, data] = sealed.split(".");
  if (format !== FORMAT || !iv || !data) throw new Error("channel secrets are in an unknown format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(scope) },
    await aesKey(keyMaterialOf(env)),
    fromBase64(data),
  );
  return JSON.parse(new TextDecoder().decode(plain)) as unknown;
}
