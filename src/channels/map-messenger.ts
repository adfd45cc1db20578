// Carryover Content → Messenger Send API `message` objects. Pure: one
// content may become more than one message (media with a caption), sent in
// order. Limits are met by these rules, never by failing a send:
//
// | Content         | Messenger                                   | fallback / rule                                   |
// |-----------------|---------------------------------------------|---------------------------------------------------|
// | text            | text + quick_replies                         | text ≤ 2000, ≤ 13 quick replies, titles ≤ 20      |
// | media (url)     | attachment image/video/audio/file (gif→image)| caption → a text after it; buttons → a button     |
// |                 |                                             | template after it (caption as its text)            |
// | media (att_ id) | text "[image] caption"                       | until attachments are served to platforms          |
// | buttons         | button template                              | text ≤ 640, ≤ 3 buttons; share dropped; none → text|
// | cards           | generic template                             | ≤ 10 elements, title/subtitle ≤ 80, ≤ 3 buttons    |
// | receipt         | receipt template                             | ≤ 100 elements; payment_method "Other"             |
// | payment_request | button template, web_url "Pay now"           | paid/cancelled → text                              |
// | postback        | text (its title)                             |                                                   |
//
// Buttons: url → web_url, postback → postback, pay → postback
// `carryover:pay:<requestId>`, share → dropped (Meta retired the share button).
// Limits: Meta's Messenger Platform Send API and template references.
import type { Button, Content, QuickReply } from "../protocol/content";
import { truncate } from "./text";

export const MESSENGER_LIMITS = {
  text: 2000,
  quickReplies: 13,
  quickReplyTitle: 20,
  payload: 1000,
  buttonText: 640,
  buttons: 3,
  buttonTitle: 20,
  elements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
  receiptElements: 100,
} as const;

export type MessengerButton = { type: "web_url"; url: string; title: string } | { type: "postback"; title: string; payload: string };
export interface MessengerQuickReply {
  content_type: "text";
  title: string;
  payload: string;
}
interface ButtonTemplate {
  template_type: "button";
  text: string;
  buttons: MessengerButton[];
}
interface GenericTemplate {
  template_type: "generic";
  elements: { title: string; subtitle?: string; image_url?: string; buttons?: MessengerButton[] }[];
}
interface ReceiptTemplate {
  template_type: "receipt";
  recipient_name: string;
  order_number: string;
  currency: string;
  payment_method: string;
  summary: { total_cost: number };
  elements: { title: string; quantity: number; price: number; currency: string }[];
}
export type MessengerMessage =
  | { text: string; quick_replies?: MessengerQuickReply[] }
  | { attachment: { type: "image" | "video" | "audio" | "file"; payload: { url: string; is_reusable: true } } }
  | { attachment: { type: "template"; payload: ButtonTemplate | GenericTemplate | ReceiptTemplate } };

const L = MESSENGER_LIMITS;

function button(b: Button): MessengerButton | null {
  switch (b.type) {
    case "url":
      return { type: "web_url", url: b.url, title: truncate(b.title, L.buttonTitle) };
    case "postback":
      return { type: "postback", title: truncate(b.title, L.buttonTitle), payload: b.payload.slice(0, L.payload) };
    case "pay":
      return { type: "postback", title: truncate(b.title, L.buttonTitle), payload: `carryover:pay:${b.requestId}` };
    case "share":
      return null;
  }
}

function buttonsOf(list: Button[] | undefined): MessengerButton[] {
  return (list ?? []).flatMap((b) => button(b) ?? []).slice(0, L.buttons);
}

function quickReply(q: QuickReply): MessengerQuickReply {
  return { content_type: "text", title: truncate(q.title, L.quickReplyTitle), payload: q.payload.slice(0, L.payload) };
}

function text(value: string, quickReplies?: QuickReply[]): MessengerMessage {
  const message: MessengerMessage = { text: truncate(value, L.text) };
  if (quickReplies?.length) message.quick_replies = quickReplies.slice(0, L.quickReplies).map(quickReply);
  return message;
}

function buttonTemplate(value: string, buttons: MessengerButton[]): MessengerMessage {
  if (buttons.length === 0) return text(value);
  return { attachment: { type: "template", payload: { template_type: "button", text: truncate(value, L.buttonText), buttons } } };
}

function money(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/**
 * The Messenger `message` objects for `content`, in send order (at least
 * one). `recipientName` fills the receipt template's required name.
 */
export function toMessenger(content: Content, recipientName = "Customer"): MessengerMessage[] {
  switch (content.type) {
    case "text":
      return [text(content.text, content.quickReplies)];
    case "media": {
      const buttons = buttonsOf(content.buttons);
      if (!content.url) return [text(`[${content.mediaType}]${content.caption ? ` ${content.caption}` : ""}`)];
      const type = content.mediaType === "gif" ? "image" : content.mediaType;
      const out: MessengerMessage[] = [{ attachment: { type, payload: { url: content.url, is_reusable: true } } }];
      if (buttons.length) out.push(buttonTemplate(content.caption || "Options", buttons));
      else if (content.caption) out.push(text(content.caption));
      return out;
    }
    case "buttons":
      return [buttonTemplate(content.text, buttonsOf(content.buttons))];
    case "cards":
      return [
        {
          attachment: {
            type: "template",
            payload: {
              template_type: "generic",
              elements: content.cards.slice(0, L.elements).map((card) => {
                const buttons = buttonsOf(card.buttons);
                return {
                  title: truncate(card.title, L.elementTitle),
                  ...(card.subtitle ? { subtitle: truncate(card.subtitle, L.elementSubtitle) } : {}),
                  ...(card.imageUrl ? { image_url: card.imageUrl } : {}),
                  ...(buttons.length ? { buttons } : {}),
                };
              }),
            },
          },
        },
      ];
    case "receipt":
      return [
        {
          attachment: {
            type: "template",
            payload: {
              template_type: "receipt",
              recipient_name: truncate(recipientName, 80),
              order_number: content.orderId,
              currency: content.currency,
              payment_method: "Other",
              summary: { total_cost: content.total },
              elements: content.items.slice(0, L.receiptElements).map((item) => ({
                title: truncate(item.title, L.elementTitle),
                quantity: item.quantity,
                price: item.price,
                currency: content.currency,
              })),
            },
          },
        },
      ];
    case "payment_request": {
      const line = `${content.description}\n${money(content.amount)} ${content.currency}`;
      if (content.status !== "pending") return [text(`${line}: ${content.status}`)];
      return [buttonTemplate(line, [{ type: "web_url", url: content.payUrl, title: "Pay now" }])];
    }
    case "postback":
      return [text(content.title)];
  }
}
