// The business's bot: answers customers through Carryover's Send API.
// (Your code: nothing here is part of Carryover.)

export interface BotConfig {
  /** Where Carryover runs. */
  baseUrl: string;
  /** The tenant's bot-role API key (ck_…). */
  apiKey: string;
}

/** A message event of a conversation's log, as the events API and webhooks carry it. */
export interface MessageEvent {
  id: string;
  seq: number;
  type: string;
  sender: { role: string; id: string };
  content?: { type: string; text?: string };
}

/** What the bot says to a customer's message. */
export function replyTo(text: string): string {
  return /\border\b/i.test(text) ? "Your order ships tomorrow." : "Thanks! Someone from the shop will answer soon.";
}

/**
 * Answers a customer's message (POST /v1/conversations/:id/messages). The
 * clientId is derived from the message, so a retried webhook never makes a
 * second answer.
 */
export async function answer(config: BotConfig, conversationId: string, message: MessageEvent): Promise<void> {
  const res = await fetch(`${config.baseUrl}/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${config.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      clientId: `reply:${message.id}`,
      sender: { role: "bot", id: "shop-bot", name: "Shop bot" },
      content: { type: "text", text: replyTo(message.content?.text ?? "") },
    }),
  });
  if (!res.ok) throw new Error(`Send API answered ${res.status}: ${await res.text()}`);
}

/** The bot's webhook handler: a customer's `message.created` delivery gets an answer. */
export async function onWebhook(config: BotConfig, delivery: { type: string; conversationId?: string; data: unknown }): Promise<void> {
  const message = delivery.data as MessageEvent;
  if (delivery.type !== "message.created" || !delivery.conversationId || message.sender.role !== "customer") return;
  await answer(config, delivery.conversationId, message);
}

