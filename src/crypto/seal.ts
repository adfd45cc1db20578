// Secrets at rest that must stay usable (webhook signing secrets, channel
// tokens): AES-256-GCM under a key derived with HKDF-SHA-256 from a Worker
// secret, with associated data that binds each ciphertext to its row, so a
// value copied to another row does not decrypt. Format:
// `v1.<base64 iv>.<base64 ciphertext+tag>`, a fresh 96-bit IV every time.

import { derivedKey } from "./derived-key";
import { fromBase64, toBase64 } from "./encoding";

const FORMAT = "v1";

/** The AES key for `material` and `purpose` (the HKDF info), derived once per isolate. */
function keyOf(material: string, purpose: string): Promise<CryptoKey> {
  return derivedKey(material, purpose, "AES-GCM");
}

/** Which key: the secret's text (≥ 32 characters, checked by the caller) and what it is for (HKDF info). */
export interface SealKey {
  material: string;
  purpose: string;
}

/** Encrypts `plaintext` bound to `scope` (the associated data: a row's id). */
export async function seal(key: SealKey, scope: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(scope) },
    await keyOf(key.material, key.purpose),
    new TextEncoder().encode(plaintext),
  );
  return `${FORMAT}.${toBase64(iv)}.${toBase64(new Uint8Array(data))}`;
}

/**
 * The plaintext `seal` sealed for the same key and `scope`.
 * @throws Error on an unknown format, another key or scope, or a tampered value.
 */
export async function unseal(key: SealKey, scope: string, sealed: string): Promise<string> {
  const [format, iv, data] = sealed.split(".");
  if (format !== FORMAT || !iv || !data) throw new Error("sealed secret in an unknown format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(scope) },
    await keyOf(key.material, key.purpose),
    fromBase64(data),
  );
  return new TextDecoder().decode(plain);
}
