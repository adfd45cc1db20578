// The section shown in place of the chat: the "Continue on another device"
// link, a handoff landing's question (handoff-question.ts), the earlier conversations. While it
// shows, the chat under it (log, typing line, quick replies, composer) hides.
import { h } from "./dom";
import { loadExtras, type Extras } from "./extras-loader";
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
   * Shows `title` and `waiting` in place of the chat while `load()` and the
   * extras come (the views of the cover are extras), then the nodes `view`
   * makes of both, focusing its `focus`; when either fails, why (`failure(err)`
   * for `load`'s error, partFailed for the extras') above a "Back to chat"
   * button. Nothing is shown if the visitor went back meanwhile.
   */
  showLoaded<T>(
    title: string,
    waiting: string,
    load: () => Promise<T>,
    view: (extras: Extras, data: T, back: HTMLButtonElement) => { nodes: Node[]; focus: HTMLElement },
    failure: (err: unknown) => string,
  ): Promise<void>;
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
    async showLoaded(title, waiting, load, view, failure) {
      const note = h("p", {}, waiting);
      show(title, note);
      const back = backButton();
      const extras = loadExtras(section).catch(() => null);
      let why: string = MESSAGES.partFailed;
      try {
        const data = await load();
        const loaded = await extras;
        if (loaded && note.isConnected) {
          const shown = view(loaded, data, back);
          fill(title, shown.nodes);
          shown.focus.focus();
          return;
        }
      } catch (err) {
        why = failure(err);
      }
      if (!note.isConnected) return;
      fill(title, [h("p", { role: "alert" }, why), back]);
      back.focus();
    },
    whenHidden(settle) {
      onHidden = settle;
    },
  };
}
