// The section shown in place of the chat: the "Continue on another device"
// link, a handoff landing's question (handoff-question.ts), the earlier conversations. While it
// shows, the chat under it (log, typing line, quick replies, composer) hides.
import { h } from "./dom";
import { errorText } from "./error-text";
import { loadExtras } from "./extras-loader";
import { MESSAGES } from "./messages";

/** The cover's section and what can be shown in it. */
export interface Cover {
  /** The section; hidden while the chat shows. */
  readonly section: HTMLElement;
  /** Shows `nodes` under the heading `title` in place of the chat. */
  show(title: string, ...nodes: Node[]): void;
  /** Back to the chat; a landing's question still open is declined. */
  hide(): void;
  /** A "Back to chat" button. */
  backButton(): HTMLButtonElement;
  /**
   * "Continue on another device": the link `createLink` makes, as a QR code
   * and text (one of the extras, fetched while the link is made), or why
   * there is none.
   */
  showLink(createLink: () => Promise<{ url: string; expiresAt: string }>): Promise<void>;
  /**
   * `settle` runs once when the cover hides next (Back, Escape, closing the
   * panel), unless replaced first; null forgets it. A question shown in the
   * cover (a handoff landing's, handoff-question.ts) reads a hide as "no".
   */
  whenHidden(settle: (() => void) | null): void;
}

/** The cover; `chat(shown)` hides the chat under it, or shows it again. */
export function createCover(chat: (shown: boolean) => void): Cover {
  const section = h("section", { class: "handoff", hidden: true, "aria-labelledby": "carryover-handoff-title" });
  /** Runs when the cover hides next (see whenHidden). */
  let onHidden: (() => void) | null = null;

  /** The section's content, whether it shows or not (the visitor may have gone back meanwhile). */
  const fill = (title: string, nodes: Node[]): void => section.replaceChildren(h("h3", { id: "carryover-handoff-title" }, title), ...nodes);
  const show = (title: string, ...nodes: Node[]): void => {
    fill(title, nodes);
    section.hidden = false;
    chat(false);
  };
  const hide = (): void => {
    if (section.hidden) return;
    const settle = onHidden;
    onHidden = null;
    settle?.();
    section.hidden = true;
    section.replaceChildren();
    chat(true);
  };
  const backButton = (): HTMLButtonElement => {
    const back = h("button", { type: "button", class: "btn" }, "Back to chat");
    back.addEventListener("click", hide);
    return back;
  };

  return {
    section,
    show,
    hide,
    backButton,
    async showLink(createLink) {
      const title = "Continue on another device";
      show(title, h("p", {}, "Creating a link…"));
      const back = backButton();
      // The view of the link is one of the extras: fetched while the link is made.
      const extras = loadExtras(section).catch(() => null);
      let failure: string;
      try {
        const { url, expiresAt } = await createLink();
        const view = (await extras)?.handoffLinkView(url, expiresAt, back);
        if (view) {
          section.replaceChildren(...view.nodes);
          view.focus.focus();
          return;
        }
        failure = MESSAGES.partFailed;
      } catch (err) {
        failure = errorText(err, "link");
      }
      fill(title, [h("p", { role: "alert" }, failure), back]);
      back.focus();
    },
    whenHidden(settle) {
      onHidden = settle;
    },
  };
}
