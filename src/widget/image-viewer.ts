// The full-size view of an image attachment (part of widget-extras.js,
// src/widget/extras.ts; the thumbnails are in src/widget/attachments.ts).
import { h } from "./dom";

/** Shows `src` in a modal dialog in `root`; focus goes to its Close button. */
export function openViewer(root: ShadowRoot, src: string, alt: string): void {
  const dialog = h("dialog", { class: "viewer", "aria-label": alt }, h("img", { src, alt }), h("button", { type: "button", class: "btn", autofocus: true }, "Close"));
  // A click anywhere (the image, the backdrop, the button) closes it; Escape closes a modal dialog by itself.
  dialog.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  root.append(dialog);
  dialog.showModal();
}
