// Building DOM nodes without ever parsing HTML: text only through
// textContent, attributes only through setAttribute, links only when safe.
import { isSafeUrl } from "../protocol/safe-url";

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** A link that opens in a new tab, or plain text when the URL is not safe. */
export function safeLink(url: string, label: string, className = ""): HTMLElement {
  if (!isSafeUrl(url)) return h("span", { class: `${className} disabled`.trim(), title: "Link blocked", dir: "auto" }, label);
  return h("a", { class: className, href: url, target: "_blank", rel: "noopener noreferrer", dir: "auto" }, label);
}

/** Text for screen readers only. */
export function srOnly(text: string): HTMLSpanElement {
  return h("span", { class: "sr" }, text);
}
