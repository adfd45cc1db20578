// The platforms' webhook endpoint of a tenant's channel: the GET
// verification handshake, and POSTs verified by X-Hub-Signature-256 over the
// raw body, parsed, and stored per channel identity (ChannelInbox) before
// the 200 — processing continues there, durably.
import { sameSecret } from "../crypto/same-secret";
import { channelInboxStub } from "../directory/stubs";
import type { Env } from "../env";
import { wellFormed } from "../protocol/text";
import { ServiceError } from "../protocol/errors";
import { personIdOf, type InboundItem } from "./inbound";
import { parseMessengerWebhook } from "./parse-messenger";
import { parseWhatsAppWebhook } from "./parse-whatsapp";
import type { ChannelConfig } from "./settings";
import { verifyHubSignature } from "./signature";

/** Meta's payloads are small; anything far larger is not one. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * The verification handshake: `hub.challenge` when `hub.mode` is
 * "subscribe" and `hub.verify_token` is the channel's (constant-time), else
 * null (the caller answers 403).
 */
export async function verificationChallenge(config: ChannelConfig | null, query: Record<string, string>): Promise<string | null> {
  const challenge = query["hub.challenge"];
  if (!config || query["hub.mode"] !== "subscribe" || !challenge) return null;
  return (await sameSecret(query["hub.verify_token"] ?? "", config.verifyToken)) ? challenge : null;
}

/**
 * Verifies, parses and stores one webhook POST for `config`. Throws
 * invalid_token (401) for a missing or wrong signature, before looking at
 * the body. A signed body that is not a payload Carryover understands gives
 * 0 items (the platform gets its 200; nothing is stored). Resolves once
 * every item is stored; a storage failure rejects (the platform retries).
 */
export async function receiveWebhook(env: Env, config: ChannelConfig, raw: Uint8Array, signature: string | undefined): Promise<{ items: number; added: number }> {
  if (!(await verifyHubSignature(config.appSecret, raw, signature))) {
    throw new ServiceError("invalid_token", "X-Hub-Signature-256 is missing or does not match the body");
  }
  let body: unknown;
  try {
    // The platform's text is taken, not refused: a lone surrogate (half an emoji) becomes U+FFFD, so the log holds Unicode text only.
    body = JSON.parse(new TextDecoder().decode(raw), (_key, value: unknown) => (typeof value === "string" ? wellFormed(value) : value));
  } catch {
    console.warn(`${config.tenant} ${config.kind} webhook: a signed body that is not JSON; ignored`);
    return { items: 0, added: 0 };
  }
  const items = config.kind === "messenger" ? parseMessengerWebhook(body, config.accountId) : parseWhatsAppWebhook(body, config.accountId);
  const byIdentity = new Map<string, InboundItem[]>();
  for (const item of items) {
    const person = personIdOf(item.channel, item.from);
    byIdentity.set(person, [...(byIdentity.get(person) ?? []), item]);
  }
  const stored = await Promise.all(
    [...byIdentity].map(([person, list]) => channelInboxStub(env, config.tenant, person).accept(config.tenant, list)),
  );
  return { items: items.length, added: stored.reduce((n, s) => n + s.added, 0) };
}
