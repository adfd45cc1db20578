// Cards, receipts and payment requests in a message bubble (part of
// widget-extras.js, src/widget/extras.ts: most chats never show one). Every
// string is set as text; URLs pass isSafeUrl or are shown without a link.
import type { Content, PaymentStatus } from "../protocol/content";
import { isSafeUrl } from "../protocol/safe-url";
import { h, safeLink } from "./dom";
import { buttonsOf, type RenderActions } from "./render";

/** The content types rendered here. */
export type RichContent = Extract<Content, { type: "cards" | "receipt" | "payment_request" }>;

/** "€12.50" in the visitor's locale; "12.50 XYZ" for a currency the browser does not know. */
function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

function cardsOf(content: Extract<Content, { type: "cards" }>, actions: RenderActions): HTMLElement {
  const list = h("ul", { class: "cards", "aria-label": `${content.cards.length} cards`, tabindex: 0 });
  content.cards.forEach((card, i) => {
    const item = h(
      "li",
      { class: "card", "aria-label": `Card ${i + 1} of ${content.cards.length}: ${card.title}` },
      card.imageUrl && isSafeUrl(card.imageUrl) ? h("img", { src: card.imageUrl, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }) : null,
      h("p", { class: "card-title", dir: "auto" }, card.title),
      card.subtitle ? h("p", { class: "card-sub", dir: "auto" }, card.subtitle) : null,
      buttonsOf(card.buttons, actions),
    );
    list.append(item);
  });
  return list;
}

function receiptOf(content: Extract<Content, { type: "receipt" }>): HTMLElement {
  const table = h("table", { class: "receipt" }, h("caption", {}, `Receipt · order ${content.orderId}`));
  const body = h("tbody");
  for (const item of content.items) {
    body.append(h("tr", {}, h("td", {}, h("bdi", {}, item.title), ` × ${item.quantity}`), h("td", { class: "num" }, money(item.price * item.quantity, content.currency))));
  }
  table.append(body, h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Total"), h("td", { class: "num" }, money(content.total, content.currency)))));
  return table;
}

const PAYMENT_LABEL: Record<PaymentStatus, string> = { pending: "Awaiting payment", paid: "Paid", cancelled: "Cancelled" };

function paymentOf(content: Extract<Content, { type: "payment_request" }>, status: PaymentStatus): HTMLElement {
  return h(
    "div",
    { class: "payment" },
    h("p", { class: "pay-desc", dir: "auto" }, content.description),
    h("p", { class: "pay-amount" }, money(content.amount, content.currency)),
    h("p", { class: `pay-status ${status}` }, PAYMENT_LABEL[status]),
    status === "pending" ? h("div", { class: "buttons" }, safeLink(content.payUrl, "Pay now", "btn primary")) : null,
  );
}

/** The body of a cards, receipt or payment request message. `paymentStatus` is the latest known status of a payment request. */
export function richContent(content: RichContent, actions: RenderActions, paymentStatus?: PaymentStatus): HTMLElement {
  switch (content.type) {
    case "cards":
      return cardsOf(content, actions);
    case "receipt":
      return receiptOf(content);
    case "payment_request":
      return paymentOf(content, paymentStatus ?? content.status);
  }
}
