// The composer: the message box with Send (Enter sends, Shift+Enter breaks the
// line), the ways a file comes in (attach button, drop on the panel, paste),
// and the "typing" signal to the business while the visitor writes.
import type { ConversationHandle } from "../client/index";
import type { Content } from "../protocol/content";
import { TYPING_IDLE_MS } from "../protocol/wire";
import { attachInputs } from "./attachments";
import { h } from "./dom";

/** The composer's form (for the panel) and its message box (to focus). */
export interface Composer {
  readonly form: HTMLFormElement;
  readonly input: HTMLTextAreaElement;
}

/**
 * The composer, for `panel` (where dropped files are taken). `handle()`: the
 * conversation on screen, if any (typing is signalled to it only); `send`
 * and `sendFile` take what the visitor sends.
 */
export function createComposer(
  panel: HTMLElement,
  handle: () => ConversationHandle | null,
  send: (content: Content) => void,
  sendFile: (file: File) => void,
): Composer {
  const input = h("textarea", { id: "carryover-input", rows: 1, maxlength: 4096, placeholder: "Write a message…", autocomplete: "off" });
  const form = h(
    "form",
    { "aria-label": "Send a message" },
    attachInputs(panel, input, sendFile),
    h("label", { class: "sr", for: "carryover-input" }, "Message"),
    input,
    h("button", { type: "submit", class: "send" }, "Send"),
  );
  /** Set while "typing on" is sent: "off" follows after TYPING_IDLE_MS without a keystroke. */
  let typingSent: ReturnType<typeof setTimeout> | undefined;

  /** Tells the business the visitor is typing; "off" after TYPING_IDLE_MS without a keystroke. */
  const typing = (on: boolean): void => {
    const conversation = handle();
    if (!conversation) return;
    if (!on) {
      if (typingSent !== undefined) conversation.typing(false);
      clearTimeout(typingSent);
      typingSent = undefined;
      return;
    }
    if (typingSent === undefined) conversation.typing(true);
    clearTimeout(typingSent);
    typingSent = setTimeout(() => typing(false), TYPING_IDLE_MS);
  };

  const submit = (): void => {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    typing(false);
    send({ type: "text", text });
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener("input", () => typing(input.value.trim() !== ""));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  return { form, input };
}
