// "Earlier conversations": the person's other threads as a list of buttons
// (part of widget-extras.js, src/widget/extras.ts).
import type { ThreadSummary } from "../client/index";
import type { Event } from "../protocol/event";
import { h } from "./dom";

/** The list of `threads` (newest first); choosing one calls `open` with its id. */
export function threadList(threads: readonly ThreadSummary[], open: (id: string) => void): HTMLUListElement {
  const list = h("ul", { class: "threads" });
  for (const thread of threads) {
    const when = new Date(thread.updatedAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    const button = h("button", { type: "button", class: "thread" }, h("span", { class: "preview", dir: "auto" }, previewOf(thread.lastEvent)), h("span", { class: "when" }, when));
    button.addEventListener("click", () => open(thread.id));
    list.append(h("li", {}, button));
  }
  return list;
}

/** One line for a thread: its last message. */
function previewOf(event: Event | null): string {
  if (!event) return "No messages yet";
  if (event.type !== "message.created") return "Conversation";
  const c = event.content;
  switch (c.type) {
    case "text":
    case "buttons":
      return c.text;
    case "postback":
      return c.title;
    case "media":
      return c.caption || "Attachment";
    default:
      return "Message";
  }
}
