// The chat widget: a launcher bubble and a panel in a shadow root, driven by
// the client SDK (session, live conversation, durable outbox). This class is
// the coordinator: it owns the session (start, sign-in, sign-out, a change of
// person in another tab) and the conversation on screen, and wires the parts
// that own the DOM: header.ts, chat-body.ts, cover.ts, composer.ts,
// earlier-conversations.ts, updates.ts (and handoff-landing.ts for the start).
import { isSignedOut, type CarryoverError } from "../client/errors";
import { createClient, type CarryoverClient, type ConversationHandle } from "../client/index";
import { SingleFlight } from "../client/single-flight";
import type { Content } from "../protocol/content";
import { adoptStyles } from "./adopt-styles";
import { learnLimit, uploadLimit } from "./attachments";
import { createChatBody } from "./chat-body";
import { createComposer } from "./composer";
import { createCover } from "./cover";
import { h } from "./dom";
import { createEarlierConversations } from "./earlier-conversations";
import { errorText } from "./error-text";
import { landFromHandoff } from "./handoff-landing";
import { createHeader } from "./header";
import { MESSAGES, type Context } from "./messages";
import { DEFAULTS, identityTokenOf, themeOf, type UpdateOptions, type WidgetOptions } from "./options";
import { storageFor } from "./page-storage";
import { STYLES } from "./styles";
import { shareLive } from "./tab-leader";
import { createUpdates, type Updates } from "./updates";

export class Widget {
  // `declare`d fields are set before use (in the constructor; shownUser on the first session)
  // and get no class-field definition in widget.js, whose size budget counts every byte.
  readonly host = document.createElement("carryover-chat");
  declare private options: WidgetOptions;
  declare private readonly client: CarryoverClient;
  private conversation: ConversationHandle | null = null;
  /** One attach at a time: a second caller gets the handle the first one is opening. */
  private readonly attaching = new SingleFlight<ConversationHandle>();
  private unsubscribe: (() => void)[] = [];
  private handleListeners: (() => void)[] = [];
  /** The session's start, then each sign-in, sign-out or change of person after it, chained. */
  private started: Promise<void> | null = null;
  private isOpen = false;
  /** Ends sharing the open conversation's live connection with the site's other tabs. */
  private stopSharing: (() => void) | null = null;
  /** Sign-ins and sign-outs under way in this widget: the sign-outs they cause are expected. */
  private transitions = 0;
  /** The person whose chat is shown (undefined before the first session). */
  declare private shownUser: string | null | undefined;
  /** The "Get updates" toggle for options.updatesTopic. */
  declare private readonly updates: Updates;

  // The parts, each owning its DOM; they reach the widget only through these callbacks.
  private readonly header = createHeader(
    () => (this.isOpen ? this.close() : this.open()),
    () =>
      void this.cover.showLoaded(
        "Continue on another device",
        "Creating a link…",
        async () => this.client.createHandoff((await this.ensureConversation()).id),
        (extras, link, back) => extras.handoffLinkView(link.url, link.expiresAt, back),
        (err) => errorText(err, "link"),
      ),
    () => this.close(),
  );
  /** A handoff link, a handoff landing or the earlier conversations, in place of the chat. */
  private readonly cover = createCover((shown) => {
    this.body.cover(!shown);
    this.composer.form.hidden = !shown;
    if (shown && this.isOpen) this.composer.input.focus();
  });
  private readonly earlier = createEarlierConversations(
    (id) => this.client.earlierConversations(id),
    this.cover,
    () => this.conversation,
    (id) => void this.switchTo(id),
  );
  private readonly body = createChatBody(
    this.earlier.button,
    this.cover.section,
    () => this.conversation,
    (content) => this.send(content),
  );
  private readonly panel = h("div", { class: "panel", id: "carryover-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "carryover-title", hidden: true });
  private readonly composer = createComposer(
    this.panel,
    () => this.conversation,
    (content) => this.send(content),
    (file) =>
      this.ensureConversation()
        .then((handle) => {
          handle.sendFile(file, { maxBytes: uploadLimit.bytes });
          this.body.scrollToEnd();
        })
        .catch((err: unknown) => this.fail(err, "file")),
  );

  constructor(options: WidgetOptions) {
    this.options = options;
    this.panel.append(this.header.bar, ...this.body.nodes, this.composer.form);
    this.panel.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.stopPropagation();
      if (!this.cover.section.hidden) this.cover.hide();
      else this.close();
    });

    const root = this.host.attachShadow({ mode: "open" });
    adoptStyles(root, STYLES);
    root.append(this.panel, this.header.launcher);
    this.applyOptions();

    this.client = createClient({
      baseUrl: options.baseUrl ?? location.origin,
      tenant: options.tenant,
      storage: storageFor(options.storagePrefix ?? "", () => queueMicrotask(() => this.body.setStatus(MESSAGES.notKept))),
      identityToken: () => identityTokenOf(this.options),
    });
    this.updates = createUpdates(this.client, this.header.title, this.body.setStatus);
    void this.updates.follow(options.updatesTopic ?? null);
    this.unsubscribe.push(
      this.client.on("session", (user) => {
        void this.updates.refresh();
        this.renderGreeting();
        this.followUser(user?.id ?? null);
      }),
    );
    // Tabs of one site share the stored session: a sign-in, merge or sign-out
    // in one is a state change in the others, never an error.
    const sessionKey = `${options.storagePrefix ?? ""}carryover:${options.tenant}:session`;
    const onStorage = (e: StorageEvent) => {
      if (e.key === sessionKey || e.key === null) void this.client.syncSession().catch(() => undefined);
    };
    window.addEventListener("storage", onStorage);
    this.unsubscribe.push(
      () => window.removeEventListener("storage", onStorage),
      // The SDK's errors carry codes and server details for developers; the visitor gets a sentence.
      this.client.on("error", (err) => this.onClientError(err)),
    );
  }

  // --- public API (window.Carryover, src/widget/index.ts) ---

  /** Mounts the widget and restores the visitor's session (or redeems a handoff link). */
  mount(): void {
    document.body.append(this.host);
    this.track(this.start());
    if (this.options.open) this.open();
  }

  get conversationId(): string | null {
    return this.conversation?.id ?? null;
  }

  get user(): { id: string; name: string | null; guest: boolean } | null {
    return this.client.user;
  }

  show(): void {
    this.host.hidden = false;
  }

  hide(): void {
    this.host.hidden = true;
  }

  open(): void {
    this.show();
    const landing = !this.cover.section.hidden;
    this.isOpen = true;
    this.panel.hidden = false;
    this.host.setAttribute("open", "");
    this.header.launcher.setAttribute("aria-expanded", "true");
    this.composer.input.focus();
    this.body.scrollToEnd();
    // On a handoff landing the conversation waits for the visitor's choice.
    if (!landing) void this.ensureConversation().then(() => this.markRead(), (err: unknown) => this.fail(err));
    this.renderBadge();
  }

  close(): void {
    this.isOpen = false;
    this.panel.hidden = true;
    this.host.removeAttribute("open");
    this.header.launcher.setAttribute("aria-expanded", "false");
    this.cover.hide();
    this.header.launcher.focus();
    this.renderBadge();
  }

  async update(options: UpdateOptions): Promise<void> {
    const { signedIn, ...rest } = options;
    this.options = { ...this.options, ...rest };
    this.applyOptions();
    if (rest.updatesTopic !== undefined) void this.updates.follow(rest.updatesTopic || null);
    if (signedIn) {
      // Chained on `started` so that opening the chat meanwhile waits for the merge.
      const previous = this.started;
      const run = (async () => {
        await previous;
        this.transitions++;
        try {
          await this.client.login();
          this.renderGreeting();
          await this.reattach();
        } finally {
          this.transitions--;
        }
      })();
      this.track(run, "signIn");
      await run;
    }
  }

  async logout(): Promise<void> {
    await this.started;
    this.detach();
    this.transitions++;
    try {
      await this.client.logout();
    } finally {
      this.transitions--;
    }
    this.renderGreeting();
    const run = this.client.connect().then(() => this.renderGreeting());
    this.track(run);
    await run;
  }

  destroy(): void {
    this.detach();
    for (const off of this.unsubscribe) off();
    this.client.close();
    this.host.remove();
  }

  /** The visitor's subscriptions (Carryover.subscriptions()). */
  subscriptions(): ReturnType<CarryoverClient["listSubscriptions"]> {
    return Promise.resolve(this.started).then(() => this.client.listSubscriptions());
  }

  /** Opts the visitor in to `topic`, or out when `on` is false (Carryover.subscribe and unsubscribe). */
  async subscribeTo(topic: string, on = true): Promise<void> {
    await this.started;
    await (on ? this.client.subscribe(topic) : this.client.unsubscribe(topic));
    await this.updates.refresh();
  }

  // --- event handlers ---

  /**
   * An error the SDK reported on its own (a live socket refused, a send
   * refused, a sign-out). Sign-outs the visitor asked for here (sign-in
   * merging the guest, logout) are expected and stay silent.
   */
  private onClientError(err: CarryoverError): void {
    if (this.transitions > 0 && isSignedOut(err)) return;
    // The failed row was drawn before the answer's limit was known: draw it again with it.
    if (learnLimit(err)) this.renderConversation();
    const text = errorText(err);
    if (text) this.body.setStatus(text);
  }

  /**
   * The person changed without this widget asking (another tab signed in,
   * merged the guest or signed out): show that person's thread, quietly.
   */
  private followUser(id: string | null): void {
    const before = this.shownUser;
    this.shownUser = id;
    if (before === undefined || before === id || this.transitions > 0) return;
    const previous = this.started;
    const run = (async () => {
      await previous;
      if (id === null) this.detach();
      else await this.reattach();
    })();
    this.track(run);
  }

  // --- rendering ---

  private applyOptions(): void {
    this.header.setTitle(this.options.title ?? DEFAULTS.title);
    const theme = this.options.themeColor ? themeOf(this.options.themeColor) : null;
    if (theme) {
      this.host.style.setProperty("--accent", theme.accent);
      this.host.style.setProperty("--on-accent", theme.onAccent);
    }
    this.renderGreeting();
  }

  private renderGreeting(): void {
    this.body.renderGreeting(this.client?.user, this.options);
  }

  private renderConversation(): void {
    const handle = this.conversation;
    if (!handle) return;
    this.body.render(handle);
    this.markRead();
    this.renderBadge();
  }

  private renderBadge(): void {
    this.header.renderBadge(this.isOpen ? 0 : (this.conversation?.unread ?? 0), this.options.title ?? DEFAULTS.title);
  }

  // --- private helpers: the session and the conversation on screen ---

  /** Restores the session; opens the person's thread (the server's "open conversation") if there is one. */
  private async start(): Promise<void> {
    const id = await landFromHandoff(this.options.tenant, this.client, this.cover, () => this.open(), this.body.setStatus);
    if (id) {
      this.renderGreeting();
      await this.attach(id);
      this.composer.input.focus();
      return;
    }
    await this.client.connect();
    this.renderGreeting();
    // Only a visitor who has a thread gets one now; others get theirs on first open.
    if ((await this.client.conversations()).some((t) => t.status === "open")) await this.attach();
  }

  private ensureConversation(): Promise<ConversationHandle> {
    if (this.conversation) return Promise.resolve(this.conversation);
    return (async () => {
      await this.started;
      // No session: the start failed, and the visitor was told to try again in a moment; so it is tried again.
      if (!this.client.user) await this.track(this.start());
      return this.conversation ?? this.attach();
    })();
  }

  private attach(id?: string): Promise<ConversationHandle> {
    return this.attaching.join(async () => {
      // The socket waits for shareLive(): one tab of the site holds it for all.
      const options: { id?: string; ref?: string; deferLive: true } = { deferLive: true };
      if (id) options.id = id;
      else if (this.options.ref) options.ref = this.options.ref;
      const handle = await this.client.conversation(options);
      this.conversation = handle;
      this.stopSharing = shareLive(`${this.options.storagePrefix ?? ""}carryover:${this.options.tenant}:live:${this.client.user?.id ?? ""}:${handle.id}`, handle);
      this.handleListeners.push(
        handle.on("change", () => this.renderConversation()),
        handle.on("event", (e) => this.updates?.onEvent(e)),
        handle.on("typing", (t) => this.body.renderTyping(t.sender.role !== "customer" && t.state === "on", t.sender.name)),
      );
      this.renderConversation();
      void this.earlier.refresh(handle.id);
      return handle;
    });
  }

  private detach(): void {
    this.earlier.button.hidden = true;
    this.stopSharing?.();
    this.stopSharing = null;
    for (const off of this.handleListeners.splice(0)) off();
    this.conversation?.close();
    this.conversation = null;
    this.body.clear();
    this.renderBadge();
  }

  /** After a login merge the person's open thread may be another one: ask again. */
  private async reattach(): Promise<void> {
    this.detach();
    const hasOpen = (await this.client.conversations()).some((t) => t.status === "open");
    if (hasOpen || this.isOpen) await this.attach();
  }

  private async switchTo(id: string): Promise<void> {
    this.cover.hide();
    this.detach();
    await this.attach(id).catch((err: unknown) => this.fail(err));
  }

  // --- private helpers: sending and reading ---

  private send(content: Content): void {
    const deliver = (handle: ConversationHandle) => {
      handle.send(content);
      this.body.scrollToEnd();
    };
    if (this.conversation) deliver(this.conversation);
    else
      this.ensureConversation().then(deliver, (err: unknown) => {
        this.fail(err);
        // Not sent, and no thread to keep it in yet: the text goes back into the box.
        if (content.type === "text") this.composer.input.value ||= content.text;
      });
  }

  /**
   * `run` (a start, sign-in or change of person) is what `started` waits for
   * now; its failure is told to the visitor as in `context`. Never rejects.
   */
  private track(run: Promise<void>, context: Context = "start"): Promise<void> {
    return (this.started = run.catch((err: unknown) => this.fail(err, context)));
  }

  /** Tells the visitor about `err` (what they were doing: `context`); without a session the chat is down, so "unavailable". */
  private fail(err: unknown, context?: Context): void {
    this.body.setStatus(errorText(err, this.client.user ? context : "start"));
  }

  private markRead(): void {
    if (this.isOpen && document.visibilityState === "visible" && this.conversation && this.conversation.unread > 0) {
      this.conversation.markRead();
    }
  }
}
