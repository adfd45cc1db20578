// Channel secrets at rest: AES-256-GCM with a key derived (HKDF-SHA-256) from
// the CHANNEL_SECRETS_KEY Worker secret. The tenant and channel kind are the
// additional data, so a ciphertext copied to another row does not decrypt.
import type { Env } from "../env";
import { seal, unseal, type SealKey } from "../crypto/seal";

/** Used only with DEV_SEED=true and no CHANNEL_SECRETS_KEY, so `npm run dev` works on a fresh clone. */
const DEV_CHANNEL_SECRETS_KEY = "dev-channel-secrets-key-change-me-0123456789";

function keyOf(env: Pick<Env, "CHANNEL_SECRETS_KEY" | "DEV_SEED">): SealKey {
  const material = env.CHANNEL_SECRETS_KEY ?? (env.DEV_SEED === "true" ? DEV_CHANNEL_SECRETS_KEY : undefined);
  if (!material || material.length < 32) {
    throw new Error("CHANNEL_SECRETS_KEY must be set to at least 32 characters (wrangler secret put CHANNEL_SECRETS_KEY)");
  }
  return { material, purpose: "carryover channel secrets v1" };
}

/**
 * Encrypts `secrets` (any JSON) for one tenant's channel (`scope`), with
 * src/crypto/seal.ts. Throws when no key is configured (see keyOf).
 */
export async function sealSecrets(env: Pick<Env, "CHANNEL_SECRETS_KEY" | "DEV_SEED">, scope: string, secrets: unknown): Promise<string> {
  return seal(keyOf(env), scope, JSON.stringify(secrets));
}

/** Decrypts what sealSecrets wrote for the same `scope`; throws on a wrong key, scope or a tampered value. */
export async function openSecrets(env: Pick<Env, "CHANNEL_SECRETS_KEY" | "DEV_SEED">, scope: string, sealed: string): Promise<unknown> {
  return JSON.parse(await unseal(keyOf(env), scope, sealed)) as unknown;
}
