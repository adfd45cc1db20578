// The widget's "Get updates" toggle: opts the visitor in to or out of one
// broadcast topic (options.updatesTopic, data-updates-topic). Hidden until
// the topic is known to exist; follows opt-outs made elsewhere (the "Stop"
// quick reply) on refresh().
import type { CarryoverClient } from "../client/index";
import type { Event } from "../protocol/event";
import { unsubscribeTopicOf } from "../protocol/unsubscribe";
import { h } from "./dom";

/** The header button that opts in to or out of one topic. */
export class UpdatesToggle {
  readonly button: HTMLButtonElement;
  private subscribed = false;

  constructor(
    private readonly client: CarryoverClient,
    private topic: string | null,
    private readonly onError: (message: string) => void,
  ) {
    this.button = h("button", { type: "button", class: "updates", "aria-pressed": "false", hidden: true }, "Get updates");
    this.button.addEventListener("click", () => void this.toggle());
  }

  /** Switches to another topic (or none: hidden). */
  setTopic(topic: string | null): void {
    if (topic === this.topic) return;
    this.topic = topic;
    void this.refresh();
  }

  /** Reads the visitor's subscription to the topic from the server. */
  async refresh(): Promise<void> {
    const topic = this.topic;
    if (!topic || !this.client.user) {
      this.button.hidden = true;
      return;
    }
    try {
      const found = (await this.client.listSubscriptions()).find((t) => t.topic === topic);
      this.button.hidden = !found;
      if (found) this.render(found.subscribed, found.name);
    } catch {
      this.button.hidden = true;
    }
  }

  /** Watches the open conversation's events for the visitor's "Stop" reply (see followOptOut). */
  onEvent(e: Event): void {
    if (e.type === "message.created" && e.sender.role === "customer" && e.content.type === "postback" && unsubscribeTopicOf(e.content.payload) !== null) {
      void this.followOptOut();
    }
  }

  /**
   * After the visitor's "Stop" reply: the server opts them out right after
   * committing it, so look again a few times until the toggle shows it.
   */
  async followOptOut(): Promise<void> {
    for (const wait of [300, 700, 1_500, 3_000]) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      await this.refresh();
      if (!this.subscribed) return;
    }
  }

  private async toggle(): Promise<void> {
    const topic = this.topic;
    if (!topic) return;
    this.button.disabled = true;
    try {
      const topics = this.subscribed ? await this.client.unsubscribe(topic) : await this.client.subscribe(topic);
      const found = topics.find((t) => t.topic === topic);
      if (found) this.render(found.subscribed, found.name);
    } catch (err) {
      this.onError(err instanceof Error ? err.message : String(err));
    } finally {
      this.button.disabled = false;
    }
  }

  private render(subscribed: boolean, name: string): void {
    this.subscribed = subscribed;
    this.button.setAttribute("aria-pressed", String(subscribed));
    this.button.textContent = subscribed ? "Updates on" : "Get updates";
    this.button.title = subscribed ? `You get "${name}" updates: tap to stop` : `Get "${name}" updates here`;
  }
}
