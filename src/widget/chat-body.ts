// The panel's body: the status line, the log (earlier conversations, "Show
// earlier messages", the greeting, then the timeline), the typing line and the
// quick replies of the last message. It draws the conversation on screen into
// them and carries out what its rows' buttons ask (postback, pay, share, retry).
import type { CarryoverClient, ConversationHandle } from "../client/index";
import type { Content } from "../protocol/content";
import { TYPING_SHOWN_MS } from "../protocol/wire";
import { retryMessage } from "./attachments";
import { h } from "./dom";
import { errorText } from "./error-text";
import { MESSAGES } from "./messages";
import { DEFAULTS, type WidgetOptions } from "./options";
import { quickRepliesOf, renderQuickReplies, rowsOf, TimelineView, type ViewActions } from "./timeline-view";

/** The body's nodes and what the widget asks of them. */
export interface ChatBody {
  /** The nodes in panel order: the status line, the log, the cover, the typing line, the quick replies. */
  readonly nodes: readonly HTMLElement[];
  /** Shows `text` in the status line ("" hides it). */
  setStatus(text: string): void;
  /** Hides the log, the typing line and the quick replies (`covered`), or shows them again. */
  cover(covered: boolean): void;
  scrollToEnd(): void;
  /** The greeting: by name (direction-isolated) for a signed-in person, else the guests' one. */
  renderGreeting(user: CarryoverClient["user"] | undefined, options: WidgetOptions): void;
  /**
   * The timeline, its quick replies, "Show earlier messages" and the state of
   * the live connection; follows the end when the visitor is there.
   */
  render(handle: ConversationHandle): void;
  /** Empties the timeline and the quick replies (no conversation on screen). */
  clear(): void;
  /** "<name> is typing…" for TYPING_SHOWN_MS at most, unless "off" comes first. */
  renderTyping(on: boolean, name: string | undefined): void;
}

/**
 * The body. `earlier`: the "Earlier conversations" button, first in the log;
 * `cover`: the cover's section, placed between the log and the typing line;
 * `current()`: the conversation on screen, if any; `send`: sends a postback.
 */
export function createChatBody(earlier: HTMLElement, cover: HTMLElement, current: () => ConversationHandle | null, send: (content: Content) => void): ChatBody {
  const status = h("p", { class: "status", role: "status", hidden: true });
  const greeting = h("p", { class: "greeting" });
  const older = h("button", { type: "button", class: "link older", hidden: true }, "Show earlier messages");
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages", tabindex: 0 }, earlier, older, greeting);
  /** The quick replies (an empty hidden div when there are none); replaced when they change. */
  let quick: HTMLElement = h("div", { hidden: true });
  const typingLine = h("p", { class: "typing", "aria-live": "polite" });
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;

  const setStatus = (text: string): void => {
    status.textContent = text;
    status.hidden = text === "";
  };
  // What the rows' buttons do (the quick replies use postback only).
  const actions: ViewActions = {
    postback: (payload, title) => send({ type: "postback", payload, title }),
    payUrlOf(requestId) {
      for (const item of current()?.items ?? []) {
        const e = item.event;
        if (e?.type === "message.created" && e.content.type === "payment_request" && e.content.requestId === requestId) return e.content.payUrl;
      }
      return undefined;
    },
    share(title) {
      const data = { title: title ?? document.title, url: location.href };
      if (navigator.share) void navigator.share(data).catch(() => undefined);
      else void navigator.clipboard?.writeText(data.url).then(() => setStatus(MESSAGES.linkCopied), () => undefined);
    },
    retry: (clientId) => retryMessage(current(), clientId),
    cancel: (clientId) => current()?.cancel(clientId),
    url: (id) => current()?.attachmentUrl(id) ?? Promise.reject(new Error("no conversation")),
  };
  const view = new TimelineView(log, greeting, actions);

  // "Show earlier messages" prepends the previous page, keeping what the visitor looks at in place.
  older.addEventListener("click", async () => {
    const handle = current();
    if (!handle) return;
    const fromBottom = log.scrollHeight - log.scrollTop;
    await handle.loadOlder().catch((err: unknown) => setStatus(errorText(err)));
    log.scrollTop = log.scrollHeight - fromBottom;
  });
  const scrollToEnd = (): void => {
    log.scrollTop = log.scrollHeight;
  };
  /** Says so when the live connection stays down for a while (4 s), not on every blip. */
  const renderConnection = (connection: ConversationHandle["connection"]): void => {
    if (connection !== "offline") {
      clearTimeout(offlineTimer);
      offlineTimer = undefined;
      if (status.textContent === MESSAGES.offline) setStatus("");
      return;
    }
    offlineTimer ??= setTimeout(() => {
      if (current()?.connection === "offline") setStatus(MESSAGES.offline);
    }, 4000);
  };
  const renderQuick = (replies: readonly { title: string; payload: string }[]): void => {
    const next = replies.length ? renderQuickReplies(replies, actions) : h("div", { hidden: true });
    const signature = JSON.stringify(replies);
    if (quick.dataset.signature === signature) return;
    next.dataset.signature = signature;
    quick.replaceWith(next);
    quick = next;
  };

  return {
    nodes: [status, log, cover, typingLine, quick],
    setStatus,
    scrollToEnd,
    cover(covered) {
      log.hidden = typingLine.hidden = covered;
      quick.hidden = covered || quick.childElementCount === 0;
    },
    renderGreeting(user, options) {
      if (!user || user.guest) {
        greeting.textContent = options.greeting ?? DEFAULTS.greeting;
        return;
      }
      // The name is direction-isolated: whatever it holds cannot turn the sentence around it.
      const parts = (options.greetingSignedIn ?? DEFAULTS.greetingSignedIn).split("{name}");
      greeting.replaceChildren();
      parts.forEach((part, i) => {
        if (i > 0) greeting.append(h("bdi", {}, user.name ?? user.id));
        greeting.append(part);
      });
    },
    render(handle) {
      const rows = rowsOf(handle.items);
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      view.render(rows);
      // Quick replies first: showing them shortens the log, and the end must stay in view.
      renderQuick(quickRepliesOf(rows));
      if (atBottom) scrollToEnd();
      older.hidden = (handle.items.find((i) => i.seq !== null)?.seq ?? 1) <= 1;
      renderConnection(handle.connection);
    },
    clear() {
      view.clear();
      renderQuick([]);
    },
    renderTyping(on, name) {
      clearTimeout(typingTimer);
      typingLine.replaceChildren(...(on ? [h("bdi", {}, name ?? "Support"), " is typing…"] : []));
      if (on) typingTimer = setTimeout(() => (typingLine.textContent = ""), TYPING_SHOWN_MS);
    },
  };
}
