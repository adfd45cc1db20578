// Endpoint secrets at rest: they must stay usable for signing, so they are
// encrypted (src/crypto/seal.ts, the endpoint id as associated data) rather
// than hashed. The key is derived from WEBHOOK_SECRETS_KEY, or from
// SESSION_SECRET when that is not set (rotating it then invalidates every
// stored webhook secret: rotate the endpoints' secrets after).
import type { Env } from "../env";
import { settingsOf } from "../env";
import { seal, unseal, type SealKey } from "../crypto/seal";

function keyOf(env: Env): SealKey {
  if (env.WEBHOOK_SECRETS_KEY !== undefined && env.WEBHOOK_SECRETS_KEY.length < 32) {
    throw new Error("WEBHOOK_SECRETS_KEY must be at least 32 characters (wrangler secret put WEBHOOK_SECRETS_KEY)");
  }
  const material = env.WEBHOOK_SECRETS_KEY ?? new TextDecoder().decode(settingsOf(env).sessionKey);
  return { material, purpose: "carryover webhook secrets v1" };
}

/** `v1.<base64 iv>.<base64 ciphertext>` of `secret`, bound to `endpointId`. */
export async function sealSecret(env: Env, endpointId: string, secret: string): Promise<string> {
  return seal(keyOf(env), endpointId, secret);
}

/** The secret sealed by `sealSecret`; throws when the key or the endpoint id do not match. */
export async function openSecret(env: Env, endpointId: string, sealed: string): Promise<string> {
  return unseal(keyOf(env), endpointId, sealed);
}
