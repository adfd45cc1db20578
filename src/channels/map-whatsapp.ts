// Carryover Content → WhatsApp Cloud API message bodies (without the
// envelope fields `messaging_product` and `to`, which the sender adds).
// Pure: one content may become more than one message, sent in order.
// Limits are met by these rules, never by failing a send:
//
// | Content         | WhatsApp                                     | fallback / rule                                    |
// |-----------------|----------------------------------------------|----------------------------------------------------|
// | text            | text (≤ 4096)                                 | quick replies → choices (below)                    |
// | media (url)     | image / video / audio / document by link       | gif → document; audio has no caption → text after; |
// |                 |                                              | postback buttons → interactive buttons with the    |
// |                 |                                              | media as header                                    |
// | media (att_ id) | text "[image] caption"                         | until attachments are served to platforms          |
// | buttons         | choices; one url button alone → cta_url        | other url buttons → "Title: url" lines in the body |
// | cards           | text (one block per card, urls as lines)       | postback buttons → choices                         |
// | receipt         | text (items, total)                            |                                                    |
// | payment_request | interactive cta_url "Pay now"                  | paid/cancelled → text                              |
// | postback        | text (its title)                               |                                                    |
//
// Choices: 1–3 → interactive reply buttons (title ≤ 20); 4–10 → interactive
// list (row title ≤ 24); more than 10 → the first 10 as a list, the rest as
// text lines of its body. Interactive bodies are ≤ 1024: a longer text goes
// first as a plain text message and the choices follow with a short body.
// Limits: Meta's WhatsApp Cloud API messages reference (interactive objects).
import type { Button, Content } from "../protocol/content";
import { codePoints, truncate } from "./text";

export const WHATSAPP_LIMITS = {
  text: 4096,
  body: 1024,
  caption: 1024,
  replyButtons: 3,
  replyTitle: 20,
  replyId: 256,
  listRows: 10,
  rowTitle: 24,
  rowId: 200,
  rowDescription: 72,
  listButton: 20,
  ctaText: 20,
} as const;

interface Link {
  link: string;
  caption?: string;
  filename?: string;
}
type Header = { type: "image"; image: { link: string } } | { type: "video"; video: { link: string } } | { type: "document"; document: { link: string } };
type Interactive =
  | { type: "button"; header?: Header; body: { text: string }; action: { buttons: { type: "reply"; reply: { id: string; title: string } }[] } }
  | {
      type: "list";
      body: { text: string };
      action: { button: string; sections: { rows: { id: string; title: string; description?: string }[] }[] };
    }
  | { type: "cta_url"; body: { text: string }; action: { name: "cta_url"; parameters: { display_text: string; url: string } } };

export type WhatsAppMessage =
  | { type: "text"; text: { body: string; preview_url: boolean } }
  | { type: "image"; image: Link }
  | { type: "video"; video: Link }
  | { type: "audio"; audio: { link: string } }
  | { type: "document"; document: Link }
  | { type: "interactive"; interactive: Interactive };

const L = WHATSAPP_LIMITS;

/** A tappable option: its id comes back as the postback payload. */
interface Choice {
  id: string;
  title: string;
  description?: string;
}

function text(body: string): WhatsAppMessage {
  return { type: "text", text: { body: truncate(body, L.text), preview_url: false } };
}

/** The choices rule of the table above; `header` only where reply buttons allow it. */
function choices(body: string, options: Choice[], header?: Header): WhatsAppMessage[] {
  if (options.length === 0) return [text(body)];
  const out: WhatsAppMessage[] = [];
  let shown = options.slice(0, L.listRows);
  const rest = options.slice(L.listRows);
  let bodyText = body;
  if (rest.length) bodyText = `${bodyText}\n${rest.map((o) => `• ${o.title}`).join("\n")}`;
  if (codePoints(bodyText) > L.body) {
    out.push(text(bodyText));
    bodyText = "Choose an option:";
  }
  if (shown.length <= L.replyButtons) {
    out.push({
      type: "interactive",
      interactive: {
        type: "button",
        ...(header ? { header } : {}),
        body: { text: bodyText },
        action: { buttons: shown.map((o) => ({ type: "reply", reply: { id: o.id.slice(0, L.replyId), title: truncate(o.title, L.replyTitle) } })) },
      },
    });
    return out;
  }
  shown = shown.slice(0, L.listRows);
  out.push({
    type: "interactive",
    interactive: {
      type: "list",
      body: { text: bodyText },
      action: {
        button: "Options",
        sections: [
          {
            rows: shown.map((o) => ({
              id: o.id.slice(0, L.rowId),
              title: truncate(o.title, L.rowTitle),
              ...(o.description ? { description: truncate(o.description, L.rowDescription) } : {}),
            })),
          },
        ],
      },
    },
  });
  return out;
}

function choiceOf(b: Button, description?: string): Choice | null {
  const extra = description ? { description } : {};
  if (b.type === "postback") return { id: b.payload, title: b.title, ...extra };
  if (b.type === "pay") return { id: `carryover:pay:${b.requestId}`, title: b.title, ...extra };
  return null;
}

function urlLines(buttons: Button[]): string[] {
  return buttons.flatMap((b) => (b.type === "url" ? [`${b.title}: ${b.url}`] : []));
}

function ctaUrl(body: string, title: string, url: string): WhatsAppMessage[] {
  const out: WhatsAppMessage[] = [];
  let bodyText = body;
  if (codePoints(bodyText) > L.body) {
    out.push(text(bodyText));
    bodyText = title;
  }
  out.push({
    type: "interactive",
    interactive: { type: "cta_url", body: { text: bodyText }, action: { name: "cta_url", parameters: { display_text: truncate(title, L.ctaText), url } } },
  });
  return out;
}

function money(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** The WhatsApp message bodies for `content`, in send order (at least one). */
export function toWhatsApp(content: Content): WhatsAppMessage[] {
  switch (content.type) {
    case "text":
      return choices(content.text, (content.quickReplies ?? []).map((q) => ({ id: q.payload, title: q.title })));
    case "media": {
      const buttons = content.buttons ?? [];
      const caption = [content.caption, ...urlLines(buttons)].filter(Boolean).join("\n");
      if (!content.url) return [text(`[${content.mediaType}]${caption ? ` ${caption}` : ""}`)];
      const options = buttons.flatMap((b) => choiceOf(b) ?? []);
      const link = content.url;
      if (options.length > 0 && options.length <= L.replyButtons && content.mediaType !== "audio") {
        const header: Header =
          content.mediaType === "image" ? { type: "image", image: { link } } : content.mediaType === "video" ? { type: "video", video: { link } } : { type: "document", document: { link } };
        return choices(caption || "Options", options, header);
      }
      const withCaption = caption ? { caption: truncate(caption, L.caption) } : {};
      const media: WhatsAppMessage =
        content.mediaType === "image"
          ? { type: "image", image: { link, ...withCaption } }
          : content.mediaType === "video"
            ? { type: "video", video: { link, ...withCaption } }
            : content.mediaType === "audio"
              ? { type: "audio", audio: { link } }
              : { type: "document", document: { link, ...withCaption } };
      const out: WhatsAppMessage[] = [media];
      if (options.length) out.push(...choices(caption || "Options", options));
      else if (content.mediaType === "audio" && caption) out.push(text(caption));
      return out;
    }
    case "buttons": {
      const urls = content.buttons.filter((b) => b.type === "url");
      const options = content.buttons.flatMap((b) => choiceOf(b) ?? []);
      const only = urls[0];
      if (options.length === 0 && urls.length === 1 && only?.type === "url") return ctaUrl(content.text, only.title, only.url);
      return choices([content.text, ...urlLines(content.buttons)].join("\n"), options);
    }
    case "cards": {
      const blocks = content.cards.map((card) => [`*${card.title}*`, card.subtitle, ...urlLines(card.buttons ?? [])].filter(Boolean).join("\n"));
      const options = content.cards.flatMap((card) => (card.buttons ?? []).flatMap((b) => choiceOf(b, card.title) ?? []));
      return choices(blocks.join("\n\n"), options);
    }
    case "receipt": {
      const lines = content.items.map((i) => `${i.quantity} × ${i.title}: ${money(i.price)} ${content.currency}`);
      return [text([`Order ${content.orderId}`, ...lines, `Total: ${money(content.total)} ${content.currency}`].join("\n"))];
    }
    case "payment_request": {
      const line = `${content.description}\n${money(content.amount)} ${content.currency}`;
      if (content.status !== "pending") return [text(`${line}: ${content.status}`)];
      return ctaUrl(line, "Pay now", content.payUrl);
    }
    case "postback":
      return [text(content.title)];
  }
}
