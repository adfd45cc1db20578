// One recipient's copy of a broadcast, run inside their Customer DO: their
// open thread (created if none) gets the message once, whatever retries.
import { conversationStub } from "../directory/stubs";
import type { Env } from "../env";
import type { Content } from "../protocol/content";
import type { BusinessAccess } from "../protocol/access";
import type { Result } from "../protocol/result";
import type { ConversationInfo } from "../protocol/event";

/** The sender of every broadcast message (API.md). */
export const BROADCAST_SENDER = { role: "bot", id: "broadcast" } as const;

/** The idempotency key of a broadcast's copy in a thread (API.md). */
export function broadcastClientId(broadcastId: string): string {
  return `broadcast:${broadcastId}`;
}

/** One recipient's copy: who, which broadcast, what content. */
export interface BroadcastDelivery {
  tenant: string;
  userId: string;
  broadcastId: string;
  content: Content;
}

/**
 * Opens the person's thread with `open` (the Customer DO's openConversation)
 * and appends the message with clientId "broadcast:<id>": a repeated call
 * returns the first copy (the Conversation DO's idempotent append).
 */
export async function deliverToThread(
  env: Env,
  delivery: BroadcastDelivery,
  open: () => Promise<Result<{ conversation: ConversationInfo; created: boolean }>>,
): Promise<Result<{ conversationId: string; seq: number; created: boolean }>> {
  const opened = await open();
  if (!opened.ok) return opened;
  const id = opened.value.conversation.id;
  const access: BusinessAccess = { kind: "business", tenant: delivery.tenant, role: "bot", keyId: "broadcast" };
  const appended = await conversationStub(env, delivery.tenant, id).append(access, {
    clientId: broadcastClientId(delivery.broadcastId),
    content: delivery.content,
    sender: { ...BROADCAST_SENDER },
    broadcastId: delivery.broadcastId,
  });
  if (!appended.ok) return appended;
  return { ok: true, value: { conversationId: id, seq: appended.value.event.seq, created: appended.value.created } };
}
