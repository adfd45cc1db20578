// The chat widget: a launcher bubble and a panel in a shadow root, driven by
// the client SDK (session, live conversation, durable outbox).
import {
  BrowserStorage,
  createClient,
  FallbackStorage,
  MemoryStorage,
  type CarryoverClient,
  type ConversationHandle,
  type KeyValueStorage,
} from "../client/index";
import { isSignedOut, type CarryoverError } from "../client/errors";
import { SingleFlight } from "../client/single-flight";
import type { Content } from "../protocol/content";
import { TYPING_IDLE_MS, TYPING_SHOWN_MS } from "../protocol/wire";
import { h } from "./dom";
import { DEFAULTS, fetchIdentityToken, themeOf, type UpdateOptions, type WidgetOptions } from "./options";
import { adoptStyles } from "./adopt-styles";
import { loadExtras } from "./extras-loader";
import { STYLES } from "./styles";
import { MESSAGES, messageFor, type Context } from "./messages";
import { shareLive } from "./tab-leader";
import { quickRepliesOf, renderQuickReplies, rowsOf, TimelineView } from "./timeline-view";
import { attachInputs, learnLimit, limitText, retryMessage, uploadLimit } from "./attachments";
import type { UpdatesToggle } from "./updates-toggle";

const SVG_NS = "http://www.w3.org/2000/svg";
const OFFLINE_TEXT = MESSAGES.offline;
const ICON_CHAT = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z";
const ICON_CLOSE = "M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z";
const ICON_DEVICES = "M4 6h14V4H4a2 2 0 0 0-2 2v11H0v3h11v-3H4V6zm19 2h-8a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V9a1 1 0 0 0-1-1zm-1 9h-6v-7h6v7z";

function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const p = document.createElementNS(SVG_NS, "path");
  p.setAttribute("d", path);
  svg.append(p);
  return svg;
}

/**
 * The browser's storage, or memory when it is blocked (privacy mode, a
 * sandboxed frame) or starts failing (quota full): `notKept` is called once,
 * and the chat goes on in memory.
 */
function storageFor(prefix: string, notKept: () => void): KeyValueStorage {
  try {
    const probe = "carryover:probe";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return new FallbackStorage(new BrowserStorage(window.localStorage, prefix), notKept);
  } catch {
    notKept();
    return new MemoryStorage();
  }
}

/** The visitor's sentence for an error ("" when it is no news to them). */
function errorText(err: unknown, context: Context = "chat"): string {
  const key = messageFor(err, context);
  return key === null ? "" : limitText(MESSAGES[key]);
}

export class Widget {
  readonly host: HTMLElement;
  private readonly root: ShadowRoot;
  private options: WidgetOptions;
  private readonly client: CarryoverClient;
  private conversation: ConversationHandle | null = null;
  /** One attach at a time: a second caller gets the handle the first one is opening. */
  private readonly attaching = new SingleFlight<ConversationHandle>();
  private unsubscribe: (() => void)[] = [];
  private handleListeners: (() => void)[] = [];
  private started: Promise<void> | null = null;
  private isOpen = false;
  /** Ends sharing the open conversation's live connection with the site's other tabs. */
  private stopSharing: (() => void) | null = null;
  /** Sign-ins and sign-outs under way in this widget: the sign-outs they cause are expected. */
  private transitions = 0;
  /** The person whose chat is shown (undefined before the first session). */
  private shownUser: string | null | undefined = undefined;

  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLElement;
  private readonly title: HTMLHeadingElement;
  private readonly status: HTMLParagraphElement;
  private readonly log: HTMLElement;
  private readonly greeting: HTMLParagraphElement;
  private readonly older: HTMLButtonElement;
  /** "Earlier conversations": shown when the person has threads besides the one on screen. */
  private readonly earlier: HTMLButtonElement;
  private quick: HTMLElement;
  private readonly typingLine: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly handoff: HTMLElement;
  /** Settles a handoff landing's question (see askToContinue); null when none is asked. */
  private landing: ((continueHere: boolean) => void) | null = null;
  private readonly view: TimelineView;
  /** The "Get updates" toggle: loaded with the extras once a topic is set (src/widget/extras.ts). */
  private updates: UpdatesToggle | null = null;
  /** The topic the toggle is for, as last set (options.updatesTopic). */
  private updatesTopic: string | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private offlineTimer: ReturnType<typeof setTimeout> | undefined;
  private typingSent: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WidgetOptions) {
    this.options = options;
    this.host = document.createElement("carryover-chat");
    this.root = this.host.attachShadow({ mode: "open" });

    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher = h("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "carryover-panel" });
    this.launcher.append(icon(ICON_CHAT), this.badge);
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));

    this.title = h("h2", { id: "carryover-title" });
    const devices = h("button", { type: "button", class: "icon", "aria-label": "Continue on another device", title: "Continue on another device" });
    devices.append(icon(ICON_DEVICES));
    devices.addEventListener("click", () => void this.showHandoff());
    const close = h("button", { type: "button", class: "icon", "aria-label": "Minimize chat", title: "Minimize" });
    close.append(icon(ICON_CLOSE));
    close.addEventListener("click", () => this.close());

    this.status = h("p", { class: "status", role: "status", hidden: true });
    this.greeting = h("p", { class: "greeting" });
    this.older = h("button", { type: "button", class: "link older", hidden: true }, "Show earlier messages");
    this.older.addEventListener("click", () => void this.loadOlder());
    this.earlier = h("button", { type: "button", class: "link older", hidden: true }, "Earlier conversations");
    this.earlier.addEventListener("click", () => void this.showThreads());
    this.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages", tabindex: 0 }, this.earlier, this.older, this.greeting);
    this.quick = h("div", { hidden: true });
    this.typingLine = h("p", { class: "typing", "aria-live": "polite" });
    this.input = h("textarea", { id: "carryover-input", rows: 1, maxlength: 4096, placeholder: "Write a message…", autocomplete: "off" });
    this.form = h(
      "form",
      { "aria-label": "Send a message" },
      h("label", { class: "sr", for: "carryover-input" }, "Message"),
      this.input,
      h("button", { type: "submit", class: "send" }, "Send"),
    );
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => this.typing(this.input.value.trim() !== ""));
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.handoff = h("section", { class: "handoff", hidden: true, "aria-labelledby": "carryover-handoff-title" });

    this.panel = h(
      "div",
      { class: "panel", id: "carryover-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "carryover-title", hidden: true },
      h("header", {}, this.title, devices, close),
      this.status,
      this.log,
      this.handoff,
      this.typingLine,
      this.quick,
      this.form,
    );
    this.panel.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.stopPropagation();
      if (!this.handoff.hidden) this.hideHandoff();
      else this.close();
    });

    this.view = new TimelineView(this.log, this.greeting, {
      postback: (payload, title) => this.send({ type: "postback", payload, title }),
      payUrlOf: (requestId) => this.payUrlOf(requestId),
      share: (title) => void this.share(title),
      retry: (clientId) => retryMessage(this.conversation, clientId),
      cancel: (clientId) => this.conversation?.cancel(clientId),
      url: (id) => (this.conversation ? this.conversation.attachmentUrl(id) : Promise.reject(new Error("no conversation"))),
    });
    this.form.prepend(
      attachInputs(this.panel, this.input, (file) =>
        this.ensureConversation().then((handle) => {
          handle.sendFile(file, { maxBytes: uploadLimit.bytes });
          this.log.scrollTop = this.log.scrollHeight;
        }).catch((err: unknown) => this.setStatus(errorText(err, "file"))),
      ),
    );

    adoptStyles(this.root, STYLES);
    this.root.append(this.panel, this.launcher);
    this.applyOptions();

    this.client = createClient({
      baseUrl: options.baseUrl ?? location.origin,
      tenant: options.tenant,
      storage: storageFor(options.storagePrefix ?? "", () => queueMicrotask(() => this.setStatus(MESSAGES.notKept))),
      identityToken: () => this.identityToken(),
    });
    void this.followTopic(options.updatesTopic ?? null);
    this.unsubscribe.push(this.client.on("session", () => void this.updates?.refresh()));
    this.unsubscribe.push(
      this.client.on("session", (user) => {
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
    this.unsubscribe.push(() => window.removeEventListener("storage", onStorage));
    // The SDK's errors carry codes and server details for developers; the visitor gets a sentence.
    this.unsubscribe.push(this.client.on("error", (err) => this.onClientError(err)));
  }

  /** Mounts the widget and restores the visitor's session (or redeems a handoff link). */
  mount(): void {
    document.body.append(this.host);
    this.started = this.start().catch((err: unknown) => this.setStatus(errorText(err, "start")));
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
    const landing = !this.handoff.hidden;
    this.isOpen = true;
    this.panel.hidden = false;
    this.host.setAttribute("open", "");
    this.launcher.setAttribute("aria-expanded", "true");
    this.input.focus();
    this.log.scrollTop = this.log.scrollHeight;
    // On a handoff landing the conversation waits for the visitor's choice.
    if (!landing) void this.ensureConversation().then(() => this.markRead(), (err: unknown) => this.setStatus(errorText(err)));
    this.renderBadge();
  }

  close(): void {
    this.isOpen = false;
    this.panel.hidden = true;
    this.host.removeAttribute("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.hideHandoff();
    this.launcher.focus();
    this.renderBadge();
  }

  async update(options: UpdateOptions): Promise<void> {
    const { signedIn, ...rest } = options;
    this.options = { ...this.options, ...rest };
    this.applyOptions();
    if (rest.updatesTopic !== undefined) void this.followTopic(rest.updatesTopic || null);
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
      this.started = run.catch((err: unknown) => this.setStatus(errorText(err, "signIn")));
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
    this.started = run.catch((err: unknown) => this.setStatus(errorText(err, "start")));
    await run;
  }

  destroy(): void {
    this.detach();
    for (const off of this.unsubscribe) off();
    this.client.close();
    this.host.remove();
  }

  // --- session and conversation ---

  private async identityToken(): Promise<string | null> {
    if (this.options.identityToken) return this.options.identityToken();
    if (this.options.identityEndpoint) return fetchIdentityToken(this.options.identityEndpoint);
    return null;
  }

  /** Restores the session; opens the person's thread (the server's "open conversation") if there is one. */
  private async start(): Promise<void> {
    const url = new URL(location.href);
    const handoff = url.searchParams.get("handoff");
    const tenant = url.searchParams.get("tenant");
    if (handoff && (!tenant || tenant === this.options.tenant)) {
      // Single use: drop it from the address bar (and from any Referer) before anything else can reuse it.
      url.searchParams.delete("handoff");
      url.searchParams.delete("tenant");
      history.replaceState(history.state, "", url);
      withoutReferrer();
      // A link scanner's headless browser runs this page too: the token is
      // redeemed only after a person asks for it here.
      if (await this.askToContinue()) {
        const id = await this.client.redeemHandoff(handoff).catch((err: unknown) => {
          // Used up or expired: say so in words, and go on with the visitor's own chat.
          this.setStatus(errorText(err, "handoff"));
          return null;
        });
        if (id) {
          this.renderGreeting();
          await this.attach(id);
          this.input.focus();
          return;
        }
      }
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
        handle.on("typing", (t) => this.renderTyping(t.sender.role !== "customer" && t.state === "on", t.sender.name)),
      );
      this.renderConversation();
      void this.refreshEarlier(handle.id);
      return handle;
    });
  }

  private detach(): void {
    this.earlier.hidden = true;
    this.stopSharing?.();
    this.stopSharing = null;
    for (const off of this.handleListeners.splice(0)) off();
    this.conversation?.close();
    this.conversation = null;
    this.view.clear();
    this.renderQuick([]);
    this.renderBadge();
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
    this.started = run.catch((err: unknown) => this.setStatus(errorText(err, "start")));
  }

  /** After a login merge the person's open thread may be another one: ask again. */
  private async reattach(): Promise<void> {
    this.detach();
    const hasOpen = (await this.client.conversations()).some((t) => t.status === "open");
    if (hasOpen || this.isOpen) await this.attach();
  }

  /**
   * Shows the "Get updates" toggle for `topic` (none for null). The toggle is
   * one of the extras: without a topic it is never loaded, and where it cannot
   * load it stays away, as it does when the topics cannot be read; setting the
   * topic again tries again.
   */
  private async followTopic(topic: string | null): Promise<void> {
    this.updatesTopic = topic;
    if (this.updates || !topic) return this.updates?.setTopic(topic);
    const extras = await loadExtras(this.root).catch(() => null);
    if (!extras) return;
    if (!this.updates) {
      this.updates = new extras.UpdatesToggle(this.client, null, (message) => this.setStatus(message));
      this.title.after(this.updates.button);
    }
    this.updates.setTopic(this.updatesTopic);
  }

  /** The visitor's subscriptions (Carryover.subscriptions()). */
  subscriptions(): ReturnType<CarryoverClient["listSubscriptions"]> {
    return Promise.resolve(this.started).then(() => this.client.listSubscriptions());
  }

  async subscribeTo(topic: string): Promise<void> {
    await this.started;
    await this.client.subscribe(topic);
    await this.updates?.refresh();
  }

  async unsubscribeFrom(topic: string): Promise<void> {
    await this.started;
    await this.client.unsubscribe(topic);
    await this.updates?.refresh();
  }

  private send(content: Content): void {
    const deliver = (handle: ConversationHandle) => {
      handle.send(content);
      this.log.scrollTop = this.log.scrollHeight;
    };
    if (this.conversation) deliver(this.conversation);
    else this.ensureConversation().then(deliver, (err: unknown) => this.setStatus(errorText(err)));
  }

  /** Tells the business the visitor is typing; "off" after TYPING_IDLE_MS without a keystroke. */
  private typing(on: boolean): void {
    const handle = this.conversation;
    if (!handle) return;
    if (!on) {
      if (this.typingSent !== undefined) handle.typing(false);
      clearTimeout(this.typingSent);
      this.typingSent = undefined;
      return;
    }
    if (this.typingSent === undefined) handle.typing(true);
    clearTimeout(this.typingSent);
    this.typingSent = setTimeout(() => this.typing(false), TYPING_IDLE_MS);
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.typing(false);
    this.send({ type: "text", text });
  }

  /** Prepends the previous page of history, keeping what the visitor looks at in place. */
  private async loadOlder(): Promise<void> {
    const handle = this.conversation;
    if (!handle) return;
    const fromBottom = this.log.scrollHeight - this.log.scrollTop;
    await handle.loadOlder().catch((err: unknown) => this.setStatus(errorText(err)));
    this.log.scrollTop = this.log.scrollHeight - fromBottom;
  }

  private markRead(): void {
    if (this.isOpen && document.visibilityState === "visible" && this.conversation && this.conversation.unread > 0) {
      this.conversation.markRead();
    }
  }

  private payUrlOf(requestId: string): string | undefined {
    for (const item of this.conversation?.items ?? []) {
      const e = item.event;
      if (e?.type === "message.created" && e.content.type === "payment_request" && e.content.requestId === requestId) return e.content.payUrl;
    }
    return undefined;
  }

  private async share(title: string | undefined): Promise<void> {
    const data = { title: title ?? document.title, url: location.href };
    if (navigator.share) await navigator.share(data).catch(() => undefined);
    else await navigator.clipboard?.writeText(data.url).then(() => this.setStatus(MESSAGES.linkCopied), () => undefined);
  }

  // --- rendering ---

  private applyOptions(): void {
    this.title.textContent = this.options.title ?? DEFAULTS.title;
    this.launcher.setAttribute("aria-label", `Open chat: ${this.title.textContent}`);
    const theme = this.options.themeColor ? themeOf(this.options.themeColor) : null;
    if (theme) {
      this.host.style.setProperty("--accent", theme.accent);
      this.host.style.setProperty("--on-accent", theme.onAccent);
    }
    this.renderGreeting();
  }

  private renderGreeting(): void {
    const user = this.client?.user;
    if (!user || user.guest) {
      this.greeting.textContent = this.options.greeting ?? DEFAULTS.greeting;
      return;
    }
    // The name is direction-isolated: whatever it holds cannot turn the sentence around it.
    const parts = (this.options.greetingSignedIn ?? DEFAULTS.greetingSignedIn).split("{name}");
    this.greeting.replaceChildren();
    parts.forEach((part, i) => {
      if (i > 0) this.greeting.append(h("bdi", {}, user.name ?? user.id));
      this.greeting.append(part);
    });
  }

  private renderConversation(): void {
    const handle = this.conversation;
    if (!handle) return;
    const rows = rowsOf(handle.items);
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.view.render(rows);
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
    this.renderQuick(quickRepliesOf(rows));
    this.older.hidden = (handle.items.find((i) => i.seq !== null)?.seq ?? 1) <= 1;
    this.renderConnection(handle.connection);
    this.markRead();
    this.renderBadge();
  }

  private renderQuick(replies: readonly { title: string; payload: string }[]): void {
    const next = replies.length
      ? renderQuickReplies(replies, { postback: (payload, title) => this.send({ type: "postback", payload, title }), payUrlOf: () => undefined, share: () => undefined })
      : h("div", { hidden: true });
    const signature = JSON.stringify(replies);
    if (this.quick.dataset.signature === signature) return;
    next.dataset.signature = signature;
    this.quick.replaceWith(next);
    this.quick = next;
  }

  /** Says so when the live connection stays down for a while (not on every blip). */
  private renderConnection(connection: ConversationHandle["connection"]): void {
    if (connection !== "offline") {
      clearTimeout(this.offlineTimer);
      this.offlineTimer = undefined;
      if (this.status.textContent === OFFLINE_TEXT) this.setStatus("");
      return;
    }
    this.offlineTimer ??= setTimeout(() => {
      if (this.conversation?.connection === "offline") this.setStatus(OFFLINE_TEXT);
    }, 4000);
  }

  private renderTyping(on: boolean, name: string | undefined): void {
    clearTimeout(this.typingTimer);
    this.typingLine.replaceChildren(...(on ? [h("bdi", {}, name ?? "Support"), " is typing…"] : []));
    if (on) this.typingTimer = setTimeout(() => (this.typingLine.textContent = ""), TYPING_SHOWN_MS);
  }

  private renderBadge(): void {
    const unread = this.isOpen ? 0 : (this.conversation?.unread ?? 0);
    this.badge.hidden = unread === 0;
    this.badge.textContent = unread > 99 ? "99+" : String(unread);
    const title = this.options.title ?? DEFAULTS.title;
    this.launcher.setAttribute("aria-label", unread ? `Open chat: ${title}, ${unread} unread` : `Open chat: ${title}`);
  }

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
    if (text) this.setStatus(text);
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
    this.status.hidden = text === "";
  }

  // --- continue on another device ---

  private async showHandoff(): Promise<void> {
    const section = this.handoff;
    section.replaceChildren(h("h3", { id: "carryover-handoff-title" }, "Continue on another device"), h("p", {}, "Creating a link…"));
    this.coverChat();
    const back = this.backButton();
    // The view of the link is one of the extras: fetched while the link is made.
    const extras = loadExtras(this.root).catch(() => null);
    let failure: string;
    try {
      const handle = await this.ensureConversation();
      const { url, expiresAt } = await this.client.createHandoff(handle.id);
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
    section.replaceChildren(h("h3", { id: "carryover-handoff-title" }, "Continue on another device"), h("p", { role: "alert" }, failure), back);
    back.focus();
  }

  /**
   * The landing of a handoff link: "Continue this conversation here" or "Not
   * now". Resolves with the visitor's choice; nothing is redeemed before it.
   */
  private askToContinue(): Promise<boolean> {
    const section = this.handoff;
    const go = h("button", { type: "button", class: "btn primary" }, "Continue this conversation here");
    const skip = h("button", { type: "button", class: "btn" }, "Not now");
    section.replaceChildren(
      h("h3", { id: "carryover-handoff-title" }, "Continue your conversation"),
      h("p", {}, "This link opens a conversation you started on another device. It works once."),
      h("div", { class: "row" }, go, skip),
    );
    this.coverChat();
    this.open();
    go.focus();
    return new Promise((resolve) => {
      this.landing = (yes) => {
        this.landing = null;
        resolve(yes);
      };
      go.addEventListener("click", () => {
        this.landing?.(true);
        this.hideHandoff();
      });
      // "Not now", Escape and closing the panel all decline (hideHandoff).
      skip.addEventListener("click", () => this.hideHandoff());
    });
  }

  /** Shows "Earlier conversations (n)" when the person has other threads than `currentId`. */
  private async refreshEarlier(currentId: string): Promise<void> {
    const others = await this.client.earlierConversations(currentId).catch(() => []);
    if (this.conversation?.id !== currentId) return;
    this.earlier.hidden = others.length === 0;
    this.earlier.textContent = `Earlier conversations (${others.length})`;
  }

  /** The person's other threads, newest first; choosing one shows it here. */
  private async showThreads(): Promise<void> {
    const current = this.conversation?.id;
    if (!current) return;
    const section = this.handoff;
    const back = this.backButton();
    const loading = h("p", {}, MESSAGES.loading);
    section.replaceChildren(h("h3", { id: "carryover-handoff-title" }, "Earlier conversations"), loading, back);
    this.coverChat();
    // The list is one of the extras: fetched together with the threads.
    const [threads, extras] = await Promise.all([this.client.earlierConversations(current).catch(() => []), loadExtras(this.root).catch(() => null)]);
    if (!loading.isConnected) return; // the visitor went back meanwhile
    if (!extras) {
      loading.setAttribute("role", "alert");
      loading.textContent = MESSAGES.partFailed;
      back.focus();
      return;
    }
    const list = extras.threadList(threads, (id) => void this.switchTo(id));
    loading.replaceWith(list);
    (list.querySelector("button") ?? back).focus();
  }

  private async switchTo(id: string): Promise<void> {
    this.hideHandoff();
    this.detach();
    await this.attach(id).catch((err: unknown) => this.setStatus(errorText(err)));
  }

  /** Shows the handoff section (a link, a landing, earlier conversations) in place of the chat. */
  private coverChat(): void {
    this.handoff.hidden = false;
    this.log.hidden = this.typingLine.hidden = this.form.hidden = this.quick.hidden = true;
  }

  /** A "Back to chat" button. */
  private backButton(): HTMLButtonElement {
    const back = h("button", { type: "button", class: "btn" }, "Back to chat");
    back.addEventListener("click", () => this.hideHandoff());
    return back;
  }

  private hideHandoff(): void {
    if (this.handoff.hidden) return;
    this.landing?.(false);
    this.handoff.hidden = true;
    this.handoff.replaceChildren();
    this.log.hidden = false;
    this.typingLine.hidden = false;
    this.form.hidden = false;
    this.quick.hidden = this.quick.childElementCount === 0;
    if (this.isOpen) this.input.focus();
  }
}

/**
 * Sets the page's referrer policy to `no-referrer` (a meta element, honoured
 * for requests made after it is added), so no link followed from a handoff
 * landing can carry the address it was opened with.
 */
function withoutReferrer(): void {
  if (document.querySelector('meta[name="referrer"][content="no-referrer"]')) return;
  const meta = document.createElement("meta");
  meta.name = "referrer";
  meta.content = "no-referrer";
  document.head.append(meta);
}
