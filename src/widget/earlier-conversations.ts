// "Earlier conversations": a button atop the log when the person has threads
// besides the one on screen, and their list (one of the extras) in the cover;
// choosing one shows it in the chat.
import type { ConversationHandle, ThreadSummary } from "../client/index";
import type { Cover } from "./cover";
import { h } from "./dom";
import { MESSAGES } from "./messages";

/** The "Earlier conversations" button (it opens the list in the cover) and its refresh. */
export interface EarlierConversations {
  /** "Earlier conversations (n)", for the top of the log; hidden while there are none (and with no thread on screen). */
  readonly button: HTMLButtonElement;
  /** Shows the button when the person has other threads than `currentId`. */
  refresh(currentId: string): Promise<void>;
}

/**
 * The button and its list. `others(id)`: the person's threads besides `id`,
 * newest first; `current()`: the conversation on screen, if any; `switchTo(id)`:
 * shows another one.
 */
export function createEarlierConversations(
  others: (currentId: string) => Promise<ThreadSummary[]>,
  cover: Cover,
  current: () => ConversationHandle | null,
  switchTo: (id: string) => void,
): EarlierConversations {
  const button = h("button", { type: "button", class: "link older", hidden: true }, "Earlier conversations");

  // The person's other threads, newest first, in the cover.
  button.addEventListener("click", () => {
    const id = current()?.id;
    if (id)
      void cover.showLoaded(
        "Earlier conversations",
        MESSAGES.loading,
        () => others(id).catch(() => []),
        (extras, threads, back) => {
          const list = extras.threadList(threads, switchTo);
          return { nodes: [list, back], focus: list.querySelector("button") ?? back };
        },
        () => MESSAGES.partFailed,
      );
  });

  return {
    button,
    async refresh(currentId) {
      const threads = await others(currentId).catch(() => []);
      if (current()?.id !== currentId) return;
      button.hidden = threads.length === 0;
      button.textContent = `Earlier conversations (${threads.length})`;
    },
  };
}
