// The "Get updates" toggle in the header, for options.updatesTopic. The
// toggle is one of the extras: without a topic it is never loaded, and where
// it cannot load it stays away, as it does when the topics cannot be read;
// setting the topic again tries again.
import type { CarryoverClient } from "../client/index";
import type { Event } from "../protocol/event";
import { loadExtras } from "./extras-loader";
import type { UpdatesToggle } from "./updates-toggle";

/** What the widget tells the "Get updates" toggle. */
export interface Updates {
  /** Shows the toggle for `topic` (none for null), loading it the first time there is one. */
  follow(topic: string | null): Promise<void>;
  /** Reads the visitor's subscription again (a new session, a subscribe or unsubscribe made here). */
  refresh(): Promise<void> | undefined;
  /** Follows an opt-out made in the conversation (the "Stop" quick reply). */
  onEvent(e: Event): void;
}

/** The toggle's keeper; the toggle goes right after `title`, its errors to `setStatus`. */
export function createUpdates(client: CarryoverClient, title: HTMLElement, setStatus: (text: string) => void): Updates {
  let toggle: UpdatesToggle | null = null;
  /** The topic as last set: a load finishing late shows this one. */
  let topicWanted: string | null = null;
  return {
    async follow(topic) {
      topicWanted = topic;
      if (toggle || !topic) return toggle?.setTopic(topic);
      const extras = await loadExtras(title).catch(() => null);
      if (!extras) return;
      if (!toggle) {
        toggle = new extras.UpdatesToggle(client, null, setStatus);
        title.after(toggle.button);
      }
      toggle.setTopic(topicWanted);
    },
    refresh: () => toggle?.refresh(),
    onEvent: (e) => toggle?.onEvent(e),
  };
}
