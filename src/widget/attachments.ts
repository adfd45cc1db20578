// Attachments in the widget: the attach button, drag and drop and pasted
// images into `sendFile`; image thumbnails (lazy, sized, alt = file name)
// that open a viewer (loaded on demand), players for video and audio, and a file row (name,
// size) that downloads. Content URLs are short-lived and signed, so they are
// asked for only when a thumbnail comes into view or a file is opened.
import type { ConversationHandle } from "../client/index";
import { DEFAULT_ATTACHMENT_MAX_BYTES, type Attachment } from "../protocol/attachment";
import type { Content } from "../protocol/content";
import { h } from "./dom";
import { loadExtras } from "./extras-loader";

export type Upload = { name: string; type: string; size: number; loaded: number };

export interface AttachmentActions {
  url(attachmentId: string): Promise<string>;
}

const ACCEPT = "image/jpeg,image/png,image/gif,image/webp,video/mp4,video/webm,audio/mpeg,audio/ogg,audio/webm,audio/mp4,application/pdf,text/plain";

/** "12 KB", "3.4 MB": sizes as people read them. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [n, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / 1024 / 1024, "MB"];
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${unit}`;
}

/**
 * The upload limit the widget knows, in bytes: the API's 25 MiB default until
 * a 413 answer names the tenant's ("attachments are limited to N bytes").
 */
export const uploadLimit = { bytes: DEFAULT_ATTACHMENT_MAX_BYTES };

/** Keeps the limit a 413 answer's detail names, for the next check before an upload; true when it changed. */
export function learnLimit(err: { code?: string; message: string }): boolean {
  const bytes = Number(err.code === "payload_too_large" ? /limited to (\d+) bytes/.exec(err.message)?.[1] : NaN);
  if (!(bytes > 0) || bytes === uploadLimit.bytes) return false;
  uploadLimit.bytes = bytes;
  return true;
}

/** A sentence with the upload limit in words in place of "{limit}". */
export function limitText(text: string): string {
  return text.replace("{limit}", fileSize(uploadLimit.bytes));
}

let observer: IntersectionObserver | null = null;
const onVisible = new WeakMap<Element, () => void>();

/** Runs `load` once `el` is near the viewport (at once where IntersectionObserver is missing). */
function whenVisible(el: Element, load: () => void): void {
  if (typeof IntersectionObserver === "undefined") return load();
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer?.unobserve(entry.target);
      onVisible.get(entry.target)?.();
    }
  }, { rootMargin: "200px" });
  onVisible.set(el, load);
  observer.observe(el);
}

/**
 * Opens the image viewer (in widget-extras.js, loaded on the first click);
 * while it loads the button is busy, and where it cannot load the image opens
 * in a new tab instead.
 */
function view(button: HTMLElement, src: string, alt: string): void {
  const root = button.getRootNode();
  if (!(root instanceof ShadowRoot) || button.getAttribute("aria-busy") === "true") return;
  button.setAttribute("aria-busy", "true");
  void loadExtras(root)
    .then(({ openViewer }) => openViewer(root, src, alt), () => void window.open(src, "_blank", "noopener"))
    .finally(() => button.removeAttribute("aria-busy"));
}

/** Downloads through a link to the signed URL (the server sends `Content-Disposition: attachment`). */
async function download(actions: AttachmentActions, a: Attachment): Promise<void> {
  const link = h("a", { href: await actions.url(a.id), download: a.filename, rel: "noopener" });
  link.click();
}

function fileRow(name: string, size: number, open?: () => void): HTMLElement {
  const row = h(open ? "button" : "span", { class: "filerow", ...(open ? { type: "button" } : {}) }, h("b", {}, name), ` · ${fileSize(size)}`);
  if (open) row.addEventListener("click", open);
  return row;
}

/**
 * The body of a media message sent by attachment (or of a file still being
 * uploaded): null for anything else, which the ordinary renderer shows.
 */
export function attachmentView(content: Content | null, attachment: Attachment | undefined, upload: Upload | undefined, actions: AttachmentActions): HTMLElement | null {
  if (content?.type !== "media" || content.url) return null;
  if (!attachment) return upload ? fileRow(upload.name, upload.size) : null;
  const { mediaType, filename } = attachment;
  if (mediaType === "image") {
    const img = h("img", { class: "media thumb", alt: filename, width: attachment.width, height: attachment.height, loading: "lazy" });
    whenVisible(img, () => void actions.url(attachment.id).then((src) => (img.src = src), () => undefined));
    // A button, so the viewer opens from the keyboard too.
    const open = h("button", { type: "button", class: "thumbbtn", "aria-label": `View ${filename}` }, img);
    open.addEventListener("click", () => img.src && view(open, img.src, filename));
    return open;
  }
  if (mediaType === "video" || mediaType === "audio") {
    const player = h(mediaType, { class: mediaType === "video" ? "media" : "", controls: true, preload: "metadata", "aria-label": filename });
    whenVisible(player, () => void actions.url(attachment.id).then((src) => (player.src = src), () => undefined));
    return player;
  }
  return fileRow(filename, attachment.size, () => void download(actions, attachment));
}

/** Upload progress and a cancel button, for the status line of a message still uploading. */
export function uploadMeta(upload: Upload | undefined, cancel: () => void): HTMLElement | null {
  if (!upload || upload.loaded >= upload.size) return null;
  const button = h("button", { type: "button", class: "link" }, "Cancel");
  button.addEventListener("click", cancel);
  return h("span", { class: "meta" }, `Uploading ${Math.floor((upload.loaded / Math.max(upload.size, 1)) * 100)}%`, button);
}

/** Asks for a file (Retry of an upload a reload cut off needs the file again). */
export function pickFile(onFile: (file: File) => void, multiple = false): void {
  const input = h("input", { type: "file", accept: ACCEPT, multiple, hidden: true });
  input.addEventListener("change", () => {
    for (const file of input.files ?? []) onFile(file);
  });
  input.click();
}

/**
 * Wires the ways in: an attach button (returned, for the composer), files
 * dropped on `panel`, images pasted into `input`.
 */
export function attachInputs(panel: HTMLElement, input: HTMLElement, onFile: (file: File) => void): HTMLElement {
  const button = h("button", { type: "button", class: "icon attach", "aria-label": "Attach a file", title: "Attach a file" }, "+");
  button.addEventListener("click", () => pickFile(onFile, true));
  panel.addEventListener("dragover", (e) => e.preventDefault());
  panel.addEventListener("drop", (e) => {
    const files = e.dataTransfer?.files;
    if (!files?.length) return;
    e.preventDefault();
    for (const file of files) onFile(file);
  });
  input.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    for (const file of files) onFile(file);
  });
  return button;
}

/** Retry: a message whose upload a reload cut off needs its file again; anything else is retried as it is. */
export function retryMessage(handle: ConversationHandle | null, clientId: string): void {
  const item = handle?.items.find((i) => i.pending?.clientId === clientId);
  if (item?.pending?.error === "upload_interrupted") pickFile((file) => handle?.retry(clientId, file));
  else handle?.retry(clientId);
}
