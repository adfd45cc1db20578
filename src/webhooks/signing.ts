// Standard Webhooks signatures (https://www.standardwebhooks.com/, the spec's
// "Signature scheme"): HMAC-SHA256 over `${id}.${timestamp}.${body}` with the
// base64-decoded part of a `whsec_` secret, sent as `v1,<base64>`; several
// space-separated signatures while a secret rotates.

import { fromBase64, toBase64 } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";

const PREFIX = "whsec_";

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** `v1,<base64 HMAC-SHA256>` of one message under one secret. */
export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  if (!secret.startsWith(PREFIX)) throw new Error("not a whsec_ secret");
  const mac = await hmacSha256(fromBase64(secret.slice(PREFIX.length)), new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/**
 * The three Standard Webhooks headers for one attempt. `secrets` are the
 * current secret first, then any still-valid previous one.
 */
export async function webhookHeaders(secrets: readonly string[], id: string, body: string, now = Date.now()): Promise<Record<string, string>> {
  const timestamp = Math.floor(now / 1000);
  const signatures = await Promise.all(secrets.map((s) => sign(s, id, timestamp, body)));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
