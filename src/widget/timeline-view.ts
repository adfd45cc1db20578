// Turns the SDK's timeline (log events + local pending messages) into the
// rows the visitor sees, and keeps the DOM in step with as few node changes as
// possible so the aria-live log announces only what is new.
import type { TimelineItem } from "../client/index";
import type { Content, PaymentStatus, QuickReply } from "../protocol/content";
import type { Sender } from "../protocol/event";
import { h, srOnly } from "./dom";
import { MESSAGES, notSentFor } from "./messages";
import { buttonsOf, renderContent, renderQuickReplies, type RenderActions } from "./render";
import type { Attachment } from "../protocol/attachment";
import { attachmentView, limitText, uploadLimit, uploadMeta, type AttachmentActions, type Upload } from "./attachments";

export interface Row {
  /** Stable across pending → sent: the clientId when there is one. */
  key: string;
  kind: "message" | "note";
  mine: boolean;
  sender: Sender | null;
  content: Content | null;
  deleted: boolean;
  state: "pending" | "failed" | "sent";
  clientId: string | null;
  error: string | null;
  paymentStatus?: PaymentStatus;
  note?: string;
  attachment?: Attachment;
  upload?: Upload;
}

/** Folds updates, deletions and payment events into the messages they target. */
export function rowsOf(items: readonly TimelineItem[]): Row[] {
  const updated = new Map<string, Content>();
  const deleted = new Set<string>();
  const payments = new Map<string, PaymentStatus>();
  for (const item of items) {
    const e = item.event;
    if (!e) continue;
    if (e.type === "message.updated") updated.set(e.target, e.content);
    else if (e.type === "message.deleted") deleted.add(e.target);
    else if (e.type === "payment.updated") payments.set(e.target, e.status);
  }
  const rows: Row[] = [];
  // The state the notes have told so far: a note says what changed (a resolve, a new owner), nothing else.
  let status: string | undefined;
  let owner: string | undefined;
  for (const item of items) {
    const e = item.event;
    if (item.pending && !e) {
      const p = item.pending;
      rows.push({
        key: `c:${p.clientId}`,
        kind: "message",
        mine: true,
        sender: null,
        content: p.content,
        deleted: false,
        state: p.state === "failed" ? "failed" : p.state === "sent" ? "sent" : "pending",
        clientId: p.clientId,
        error: p.error ?? null,
        ...(p.upload ? { upload: p.upload } : {}),
      });
      continue;
    }
    if (!e) continue;
    if (e.type === "message.created") {
      const mine = e.sender.role === "customer";
      const row: Row = {
        key: mine && e.clientId ? `c:${e.clientId}` : e.id,
        kind: "message",
        mine,
        sender: e.sender,
        content: updated.get(e.id) ?? e.content,
        deleted: deleted.has(e.id),
        state: "sent",
        clientId: e.clientId ?? null,
        error: null,
      };
      const status = payments.get(e.id);
      if (status) row.paymentStatus = status;
      if (e.attachment) row.attachment = e.attachment;
      rows.push(row);
    } else if (e.type === "conversation.updated") {
      const note =
        e.status === "resolved"
          ? status !== "resolved" && "This conversation was resolved."
          : e.owner !== owner && (e.owner === "agent" ? "A person from our team joined the conversation." : "You are chatting with our assistant.");
      status = e.status;
      owner = e.owner;
      if (note) rows.push({ key: e.id, kind: "note", mine: false, sender: e.sender, content: null, deleted: false, state: "sent", clientId: null, error: null, note });
    }
  }
  return rows;
}

/** The quick replies to offer: those of the last message, when a business sender wrote it. */
export function quickRepliesOf(rows: readonly Row[]): readonly QuickReply[] {
  const last = [...rows].reverse().find((r) => r.kind === "message");
  if (!last || last.mine || last.deleted || last.content?.type !== "text") return [];
  return last.content.quickReplies ?? [];
}

/** What the role is called: always from `sender.role`, never guessed from a name. */
function roleLabel(sender: Sender): string {
  return sender.role === "agent" ? "Support" : sender.role === "bot" ? "Assistant" : sender.role === "customer" ? "You" : "Carryover";
}

function senderLabel(sender: Sender | null): string {
  if (!sender) return "You";
  return sender.name ?? roleLabel(sender);
}

/** The sender line: the name direction-isolated (a name cannot reorder what follows), then the role. */
function senderLine(sender: Sender | null): HTMLElement {
  if (!sender?.name) return h("span", { class: "who" }, senderLabel(sender));
  return h("span", { class: "who" }, h("bdi", {}, sender.name), h("span", { class: "role" }, ` · ${roleLabel(sender)}`));
}

export interface ViewActions extends RenderActions, AttachmentActions {
  retry(clientId: string): void;
  cancel(clientId: string): void;
}

/** Keyed rendering of rows into a container. */
export class TimelineView {
  private readonly nodes = new Map<string, { el: HTMLElement; body: string; state: string }>();

  constructor(
    private readonly log: HTMLElement,
    private readonly anchor: Node | null,
    private readonly actions: ViewActions,
  ) {}

  render(rows: readonly Row[]): void {
    const seen = new Set<string>();
    let previous: Node | null = this.anchor;
    let previousSender: string | null = null;
    for (const row of rows) {
      const senderId = row.kind === "note" ? null : row.mine ? "me" : `${row.sender?.role}:${row.sender?.id}`;
      const showSender = !row.mine && row.kind === "message" && senderId !== previousSender;
      previousSender = senderId;
      const body = JSON.stringify([row.content, row.deleted, row.paymentStatus, showSender, row.mine ? null : row.sender?.name, row.attachment?.id]);
      const state = JSON.stringify([row.state, row.error, row.upload?.loaded, row.state === "failed" && uploadLimit.bytes]);
      let entry = this.nodes.get(row.key);
      if (!entry || entry.body !== body) {
        const el = this.rowElement(row, showSender);
        if (entry) entry.el.replaceWith(el);
        entry = { el, body, state };
        this.nodes.set(row.key, entry);
      } else if (entry.state !== state) {
        // Pending → sent changes only the status line: keep the node, so the
        // live log does not announce the message a second time.
        this.renderState(entry.el, row);
        entry.state = state;
      }
      seen.add(row.key);
      const expected: ChildNode | null = previous ? previous.nextSibling : this.log.firstChild;
      if (expected !== entry.el) this.log.insertBefore(entry.el, expected);
      previous = entry.el;
    }
    for (const [key, entry] of this.nodes) {
      if (seen.has(key)) continue;
      entry.el.remove();
      this.nodes.delete(key);
    }
  }

  clear(): void {
    for (const entry of this.nodes.values()) entry.el.remove();
    this.nodes.clear();
  }

  private rowElement(row: Row, showSender: boolean): HTMLElement {
    if (row.kind === "note") return h("p", { class: "note" }, row.note ?? "");
    const el = h("div", { class: row.mine ? "msg mine" : "msg" });
    if (showSender) el.append(senderLine(row.sender));
    const bubble = h("div", { class: "bubble" }, row.mine ? srOnly("You: ") : h("span", { class: "sr" }, h("bdi", {}, senderLabel(row.sender)), ": "));
    if (row.deleted || !row.content) bubble.append(h("p", { class: "text", dir: "auto" }, "Message deleted"));
    else {
      const file = attachmentView(row.content, row.attachment, row.upload, this.actions);
      const media = row.content as Extract<Content, { type: "media" }>;
      bubble.append(
        file
          ? h("div", {}, file, media.caption ? h("p", { class: "caption", dir: "auto" }, media.caption) : null, buttonsOf(media.buttons, this.actions))
          : renderContent(row.content, this.actions, row.paymentStatus),
      );
    }
    el.append(bubble);
    this.renderState(el, row);
    return el;
  }

  private renderState(el: HTMLElement, row: Row): void {
    el.dataset.state = row.state;
    for (const meta of el.querySelectorAll(":scope > .meta")) meta.remove();
    const clientId = row.clientId ?? "";
    if (row.state === "pending") el.append(uploadMeta(row.upload, () => this.actions.cancel(clientId)) ?? h("span", { class: "meta" }, "Sending…"));
    if (row.state === "failed" && row.clientId) {
      const clientId = row.clientId;
      const key = notSentFor(row.error, !!row.upload);
      // A refused file (too large, a kind the API does not take) fails the same way again:
      // it offers to remove the message instead of a Retry, which network and 5xx failures keep.
      const retry = !row.upload || key === "notSent";
      const button = h("button", { type: "button", class: "link" }, retry ? "Retry" : "Remove");
      button.addEventListener("click", () => (retry ? this.actions.retry(clientId) : this.actions.cancel(clientId)));
      // row.error is the API's code for the refusal: shown as a sentence, never as the code.
      el.append(h("span", { class: "meta failed", role: "status" }, `${limitText(MESSAGES[key])} `, button));
    }
  }
}

export { renderQuickReplies };
