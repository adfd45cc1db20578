// The chat's frame: the launcher bubble with its unread badge, and the
// panel's header (the title, "Continue on another device", "Minimize").
import { h } from "./dom";

const SVG_NS = "http://www.w3.org/2000/svg";
const ICON_CHAT = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z";
const ICON_CLOSE = "M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z";
const ICON_DEVICES = "M4 6h14V4H4a2 2 0 0 0-2 2v11H0v3h11v-3H4V6zm19 2h-8a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V9a1 1 0 0 0-1-1zm-1 9h-6v-7h6v7z";

function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const p = document.createElementNS(SVG_NS, "path");
  p.setAttribute("d", path);
  svg.append(p);
  return svg;
}

/** A button showing an icon, named for screen readers by `label` (and by `title` on hover). */
function iconButton(path: string, label: string, title: string, onClick: () => void): HTMLButtonElement {
  const button = h("button", { type: "button", class: "icon", "aria-label": label, title });
  button.append(icon(path));
  button.addEventListener("click", onClick);
  return button;
}

/** The launcher and the header bar; the widget places `launcher` in its shadow root and `bar` atop the panel. */
export interface Header {
  readonly launcher: HTMLButtonElement;
  /** The panel's header: the title, then the buttons ("Get updates" goes right after the title). */
  readonly bar: HTMLElement;
  readonly title: HTMLHeadingElement;
  /** Shows `title` in the header and in the launcher's label. */
  setTitle(title: string): void;
  /** The unread count on the bubble ("99+" past 99, hidden at 0) and in the launcher's label, with `title`. */
  renderBadge(unread: number, title: string): void;
}

/**
 * The header. `toggle`: the launcher (opens the panel, or minimizes it when
 * open); `handoff`: "Continue on another device"; `close`: "Minimize".
 */
export function createHeader(toggle: () => void, handoff: () => void, close: () => void): Header {
  const badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
  const launcher = h("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "carryover-panel" });
  launcher.append(icon(ICON_CHAT), badge);
  launcher.addEventListener("click", toggle);
  const title = h("h2", { id: "carryover-title" });
  const label = (text: string) => launcher.setAttribute("aria-label", text);
  return {
    launcher,
    title,
    bar: h(
      "header",
      {},
      title,
      iconButton(ICON_DEVICES, "Continue on another device", "Continue on another device", handoff),
      iconButton(ICON_CLOSE, "Minimize chat", "Minimize", close),
    ),
    setTitle(text) {
      title.textContent = text;
      label(`Open chat: ${text}`);
    },
    renderBadge(unread, text) {
      badge.hidden = unread === 0;
      badge.textContent = unread > 99 ? "99+" : String(unread);
      label(unread ? `Open chat: ${text}, ${unread} unread` : `Open chat: ${text}`);
    },
  };
}
