// "Continue on another device", once the link exists: the one-time link, its
// QR code and a copy button (part of widget-extras.js, src/widget/extras.ts).
import { h } from "./dom";
import { encodeQr, qrSvg } from "./qr";

/**
 * The content of the handoff section for `url`, valid until `expiresAt` (ISO
 * 8601), ending with `back` (the "Back to chat" button). Returns the nodes in
 * order and the button that should get focus.
 */
export function handoffLinkView(url: string, expiresAt: string, back: HTMLButtonElement): { nodes: Node[]; focus: HTMLElement } {
  const minutes = Math.max(1, Math.round((Date.parse(expiresAt) - Date.now()) / 60_000));
  const field = h("input", { type: "text", readonly: true, value: url, "aria-label": "Handoff link" });
  const copy = h("button", { type: "button", class: "btn" }, "Copy link");
  copy.addEventListener("click", () => {
    field.select();
    void navigator.clipboard?.writeText(url).then(() => (copy.textContent = "Copied"));
  });
  let picture: SVGSVGElement | null = null;
  try {
    picture = qrSvg(encodeQr(url, { ecc: "M" }), "QR code of the handoff link");
    picture.setAttribute("class", "qr");
  } catch {
    // Longer than a QR code holds (RangeError): the link works without its picture.
  }
  return {
    nodes: [
      h("p", {}, `Scan the code with your phone, or open the link on the other device. It works once, for ${minutes} min.`),
      ...(picture ? [picture] : []),
      field,
      h("div", { class: "row" }, copy, back),
    ],
    focus: copy,
  };
}
