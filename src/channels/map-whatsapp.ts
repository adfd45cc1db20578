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
// list (row title ≤ 24, a card's title as the row's description); more than
// 10 → the first 10 as a list, the rest as text lines of its body.
// Interactive bodies are ≤ 1024: a longer text goes first as a plain text
// message and the choices follow with a short body. Within one message no
// two titles are alike (ignoring case) and no two ids are: a title that
// matches another once cut is led by its card's title ("Red bike: Buy"),
// what is still alike is numbered ("Reserve (1)", "Reserve (2)") — and card
// buttons that need a number go as a list instead, whose rows show the card
// in full; a payload used twice (or cut to another's prefix) gets the id
// `carryover:dup:<n>:<payload>`, which the webhook parser turns back into
// the payload.
// Limits: Meta's WhatsApp Cloud API messages reference (interactive objects;
// "Interactive reply buttons messages": button titles and ids unique).
import type { Button, Content } from "../protocol/content";
import { clip, codePoints, truncate } from "./text";

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

/** A tappable option: its id comes back as the postback payload; `context` names the card it belongs to. */
interface Choice {
  id: string;
  title: string;
  context?: string;
}

function text(body: string): WhatsAppMessage {
  return { type: "text", text: { body: truncate(body, L.text), preview_url: false } };
}

/** Marks an id that had to be made unique; the webhook parser takes it off again (`payloadOfReplyId`). */
const DUPLICATE_ID = /^carryover:dup:\d+:/;

/**
 * The postback payload a reply id stands for: the id itself, or for an id
 * that `toWhatsApp` made unique (`carryover:dup:<n>:<payload>`) the payload
 * it was made from, so a bot gets back the payload it sent whichever of two
 * buttons with that payload was tapped.
 */
export function payloadOfReplyId(id: string): string {
  return id.replace(DUPLICATE_ID, "");
}

/**
 * Ids of `options`, each ≤ `max` code points and no two alike: the payload
 * itself where it fits and is free; otherwise (a payload used twice, or two
 * cut to the same prefix) `carryover:dup:<n>:<payload>` cut to `max`. A
 * payload that already starts like that is always wrapped, so taking the
 * mark off once gives it back. WhatsApp: reply button ids are unique within
 * the message (Meta, "Interactive reply buttons messages", <BUTTON_ID>).
 */
function distinctIds(options: Choice[], max: number): string[] {
  const used = new Set<string>();
  return options.map((o) => {
    let id = DUPLICATE_ID.test(o.id) ? clip(`carryover:dup:1:${o.id}`, max) : clip(o.id, max);
    for (let n = 2; used.has(id); n++) id = clip(`carryover:dup:${n}:${o.id}`, max);
    used.add(id);
    return id;
  });
}

/** What a person tells options apart by: case and surrounding spaces do not count. */
function sameLabel(title: string): string {
  return title.trim().toLowerCase();
}

interface Label {
  title: string;
  /** Whether `title` names its option's card in full (a row then needs no description). */
  namesContext: boolean;
}

/** `title` led by the card it belongs to within `max`, the button's own words kept whole where they leave the card room. */
function withContext(context: string, title: string, max: number): Label {
  const room = max - codePoints(title) - 2;
  if (room >= 4) {
    const card = truncate(context, room);
    return { title: `${card}: ${title}`, namesContext: card === context };
  }
  const whole = `${context}: ${title}`;
  return { title: truncate(whole, max), namesContext: codePoints(whole) <= max };
}

/** How many of `titles` are alike, by what a person tells them apart by. */
function tally(titles: string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const t of titles) seen.set(sameLabel(t), (seen.get(sameLabel(t)) ?? 0) + 1);
  return seen;
}

/**
 * Titles of `options`, each ≤ `max` code points and no two alike (ignoring
 * case): an option whose title, cut to `max`, matches another's is led by
 * its card's title ("Red bike: Buy"); options still alike after that are
 * numbered on their own title ("Reserve (1)", "Reserve (2)"), and `numbered`
 * says so. WhatsApp: reply button titles must be unique within the message
 * (Meta, "Interactive reply buttons messages", <BUTTON_LABEL_TEXT>); rows
 * follow the same rule so a person can tell every option apart.
 */
function distinctLabels(options: Choice[], max: number): { labels: Label[]; numbered: boolean } {
  const cut = options.map((o) => truncate(o.title, max));
  const cutAlike = tally(cut);
  const led = options.map((o, i): Label =>
    cutAlike.get(sameLabel(cut[i]!))! > 1 && o.context ? withContext(o.context, o.title, max) : { title: cut[i]!, namesContext: false },
  );
  const ledAlike = tally(led.map((l) => l.title));
  // Alike titles are numbered in order; a number is skipped when its title is taken ("Buy (2)" given as a title).
  const taken = new Set(led.filter((l) => ledAlike.get(sameLabel(l.title)) === 1).map((l) => sameLabel(l.title)));
  const next = new Map<string, number>();
  let numbered = false;
  const labels = options.map((o, i): Label => {
    const label = led[i]!;
    const key = sameLabel(label.title);
    if (ledAlike.get(key) === 1) return label;
    numbered = true;
    let title: string;
    let n = next.get(key) ?? 1;
    do title = numberedTitle(o.title, n++, max);
    while (taken.has(sameLabel(title)));
    next.set(key, n);
    taken.add(sameLabel(title));
    return { title, namesContext: false };
  });
  return { labels, numbered };
}

/** `title` with " (n)" after it, within `max`. */
function numberedTitle(title: string, n: number, max: number): string {
  const suffix = ` (${n})`;
  return `${truncate(title, max - suffix.length)}${suffix}`;
}

/** An option as sent: its id and title, unique within the message and within limits. */
interface Tappable extends Label {
  id: string;
  context?: string;
}

/** `options` with distinct ids (≤ `idMax`) and titles (≤ `titleMax`); `numbered` as in `distinctLabels`. */
function tappable(options: Choice[], titleMax: number, idMax: number): { items: Tappable[]; numbered: boolean } {
  const { labels, numbered } = distinctLabels(options, titleMax);
  const ids = distinctIds(options, idMax);
  return { items: options.map((o, i) => ({ ...labels[i]!, id: ids[i]!, ...(o.context ? { context: o.context } : {}) })), numbered };
}

/**
 * The choices rule of the table above; `header` only where reply buttons
 * allow it. Options from cards whose button titles cannot be told apart
 * even with the card's title go as a list, whose rows show the card in full.
 */
function choices(body: string, options: Choice[], header?: Header): WhatsAppMessage[] {
  if (options.length === 0) return [text(body)];
  const out: WhatsAppMessage[] = [];
  const shown = options.slice(0, L.listRows);
  const rest = options.slice(L.listRows);
  let bodyText = body;
  if (rest.length) bodyText = `${bodyText}\n${rest.map((o) => `• ${o.context ? `${o.context}: ` : ""}${o.title}`).join("\n")}`;
  if (codePoints(bodyText) > L.body) {
    out.push(text(bodyText));
    bodyText = "Choose an option:";
  }
  if (shown.length <= L.replyButtons) {
    const { items, numbered } = tappable(shown, L.replyTitle, L.replyId);
    if (!numbered || !shown.some((o) => o.context)) {
      out.push({
        type: "interactive",
        interactive: {
          type: "button",
          ...(header ? { header } : {}),
          body: { text: bodyText },
          action: { buttons: items.map((o) => ({ type: "reply", reply: { id: o.id, title: o.title } })) },
        },
      });
      return out;
    }
  }
  const { items } = tappable(shown, L.rowTitle, L.rowId);
  out.push({
    type: "interactive",
    interactive: {
      type: "list",
      body: { text: bodyText },
      action: {
        button: "Options",
        sections: [
          {
            rows: items.map((o) => ({
              id: o.id,
              title: o.title,
              ...(o.context && !o.namesContext ? { description: truncate(o.context, L.rowDescription) } : {}),
            })),
          },
        ],
      },
    },
  });
  return out;
}

function choiceOf(b: Button, context?: string): Choice | null {
  const extra = context ? { context } : {};
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
