// The question a handoff landing asks, one of the extras (widget-extras.js):
// only a visitor who arrives by a "Continue on another device" link sees it.
import type { Cover } from "./cover";
import { h } from "./dom";

/**
 * "Continue this conversation here" or "Not now", shown in `cover` (Escape
 * and closing the panel decline too: they hide the cover). Calls `open` to
 * show the question; resolves with the visitor's choice, true to redeem.
 */
export function askHandoff(cover: Cover, open: () => void): Promise<boolean> {
  const go = h("button", { type: "button", class: "btn primary" }, "Continue this conversation here");
  const skip = h("button", { type: "button", class: "btn" }, "Not now");
  cover.show(
    "Continue your conversation",
    h("p", {}, "This link opens a conversation you started on another device. It works once."),
    h("div", { class: "row" }, go, skip),
  );
  open();
  go.focus();
  return new Promise((resolve) => {
    cover.whenHidden(() => resolve(false));
    go.addEventListener("click", () => {
      cover.whenHidden(null);
      resolve(true);
      cover.hide();
    });
    skip.addEventListener("click", cover.hide);
  });
}
