// One renderer per content type of the wire contract (API.md "Content").
// Every string from a message is set as text; URLs pass isSafeUrl or are shown
// without a link.
import type { Button, Content, PaymentStatus, QuickReply } from "../protocol/content";
import { h, safeLink } from "./dom";
import { isSafeUrl } from "../protocol/safe-url";
import { loadedExtras, loadExtras } from "./extras-loader";
import { MESSAGES } from "./messages";
import type { RichContent } from "./rich-content";

export interface RenderActions {
  /** The visitor tapped a postback button or quick reply. */
  postback(payload: string, title: string): void;
  /** The pay URL of a payment request of this conversation, if known. */
  payUrlOf(requestId: string): string | undefined;
  share(title: string | undefined): void;
}

function buttonOf(button: Button, actions: RenderActions): HTMLElement {
  switch (button.type) {
    case "url":
      return safeLink(button.url, button.title, "btn");
    case "postback": {
      const el = h("button", { type: "button", class: "btn", dir: "auto" }, button.title);
      el.addEventListener("click", () => actions.postback(button.payload, button.title));
      return el;
    }
    case "share": {
      const el = h("button", { type: "button", class: "btn", dir: "auto" }, button.title ?? "Share");
      el.addEventListener("click", () => actions.share(button.title));
      return el;
    }
    case "pay": {
      const url = actions.payUrlOf(button.requestId);
      return url ? safeLink(url, button.title, "btn") : h("span", { class: "btn disabled", dir: "auto" }, button.title);
    }
  }
}

export function buttonsOf(buttons: readonly Button[] | undefined, actions: RenderActions): HTMLElement | null {
  if (!buttons || buttons.length === 0) return null;
  const list = h("div", { class: "buttons" });
  for (const b of buttons) list.append(buttonOf(b, actions));
  return list;
}

function mediaOf(content: Extract<Content, { type: "media" }>): HTMLElement {
  const url = content.url && isSafeUrl(content.url) ? content.url : null;
  const label = content.caption || `${content.mediaType} attachment`;
  if (!url) return h("p", { class: "file", dir: "auto" }, content.attachmentId ? `Attachment: ${label}` : label);
  switch (content.mediaType) {
    case "image":
    case "gif":
      return h("img", { class: "media", src: url, alt: content.caption ?? "Image", loading: "lazy", referrerpolicy: "no-referrer" });
    case "video":
      return h("video", { class: "media", src: url, controls: true, preload: "metadata" });
    case "audio":
      return h("audio", { src: url, controls: true, preload: "metadata" });
    case "file":
      return h("p", { class: "file" }, safeLink(url, content.caption || "Download file"));
  }
}

/**
 * Cards, receipts and payment requests come with the extras
 * (src/widget/rich-content.ts, in widget-extras.js): at once when they are
 * loaded, else after a moment in place of a "Loading…" line, which says so
 * and offers to try again when they cannot be loaded.
 */
function richOf(content: RichContent, actions: RenderActions, paymentStatus?: PaymentStatus): HTMLElement {
  const extras = loadedExtras();
  if (extras) return extras.richContent(content, actions, paymentStatus);
  const slot = h("p", { class: "text" }, MESSAGES.loading);
  const fill = (): void =>
    void loadExtras(slot).then(
      (loaded) => slot.replaceWith(loaded.richContent(content, actions, paymentStatus)),
      () => {
        const retry = h("button", { type: "button", class: "link" }, "Try again");
        retry.addEventListener("click", () => {
          slot.textContent = MESSAGES.loading;
          fill();
        });
        slot.replaceChildren(`${MESSAGES.partFailed} `, retry);
      },
    );
  fill();
  return slot;
}

/** The body of one message bubble. `paymentStatus` is the latest known status of a payment request. */
export function renderContent(content: Content, actions: RenderActions, paymentStatus?: PaymentStatus): HTMLElement {
  switch (content.type) {
    case "text":
      return h("p", { class: "text", dir: "auto" }, content.text);
    case "postback":
      return h("p", { class: "text", dir: "auto" }, content.title);
    case "media":
      return h("div", {}, mediaOf(content), content.caption && content.url && content.mediaType !== "file" ? h("p", { class: "caption", dir: "auto" }, content.caption) : null, buttonsOf(content.buttons, actions));
    case "buttons":
      return h("div", {}, h("p", { class: "text", dir: "auto" }, content.text), buttonsOf(content.buttons, actions));
    case "cards":
    case "receipt":
    case "payment_request":
      return richOf(content, actions, paymentStatus);
  }
}

/** Quick replies of the latest business message, as a row of chips. */
export function renderQuickReplies(replies: readonly QuickReply[], actions: RenderActions): HTMLElement {
  const row = h("div", { class: "quick", role: "group", "aria-label": "Suggested replies" });
  for (const reply of replies) {
    const chip = h("button", { type: "button", class: "chip", dir: "auto" }, reply.title);
    chip.addEventListener("click", () => actions.postback(reply.payload, reply.title));
    row.append(chip);
  }
  return row;
}
