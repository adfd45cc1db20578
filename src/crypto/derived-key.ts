// Keys derived from a Worker secret with HKDF-SHA-256 (empty salt, the key's
// purpose as the info), derived once per isolate and per purpose: AES-256-GCM
// keys for sealing (crypto/seal.ts, auth/opaque-token.ts) and HMAC-SHA-256
// keys for deterministic derivations (refresh-token successors).

/** What a derived key is for: AES-256-GCM encrypt/decrypt, or HMAC-SHA-256 sign. */
export type DerivedKeyKind = "AES-GCM" | "HMAC";

const ALGORITHMS: Record<DerivedKeyKind, { params: SubtleCryptoImportKeyAlgorithm; usages: string[] }> = {
  "AES-GCM": { params: { name: "AES-GCM", length: 256 }, usages: ["encrypt", "decrypt"] },
  HMAC: { params: { name: "HMAC", hash: "SHA-256", length: 256 }, usages: ["sign"] },
};

// Byte secrets are cached by identity (a secret's bytes are decoded once per
// isolate), text secrets by value.
const byBytes = new WeakMap<Uint8Array, Map<string, Promise<CryptoKey>>>();
const byText = new Map<string, Map<string, Promise<CryptoKey>>>();

/**
 * The non-extractable `kind` key derived from `secret` (its bytes, or its
 * text as UTF-8) for `purpose` (the HKDF info, e.g. "carryover/opaque-token/v1"):
 * the same secret and purpose always give the same key.
 */
export function derivedKey(secret: Uint8Array | string, purpose: string, kind: DerivedKeyKind): Promise<CryptoKey> {
  let cache = typeof secret === "string" ? byText.get(secret) : byBytes.get(secret);
  if (!cache) {
    cache = new Map();
    if (typeof secret === "string") byText.set(secret, cache);
    else byBytes.set(secret, cache);
  }
  const id = `${kind}\u0000${purpose}`;
  let key = cache.get(id);
  if (!key) {
    const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
    const { params, usages } = ALGORITHMS[kind];
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(purpose) },
        base,
        params,
        false,
        usages,
      );
    })();
    cache.set(id, key);
  }
  return key;
}
