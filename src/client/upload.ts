// File uploads for the SDK: `POST /v1/attachments` with the raw bytes, with
// progress where the platform can report it and cancel everywhere.
//
// Progress needs XMLHttpRequest (`xhr.upload.onprogress`): browsers and React
// Native have it. Where it is missing (Node, workers) the upload goes through
// fetch and reports progress only at the start and the end. React Native's
// `{ uri, name, type }` files are read with `fetch(uri).blob()` first.
import {
  ATTACHMENT_TYPES,
  isAttachmentContentType,
  type Attachment,
  type AttachmentContentType,
} from "../protocol/attachment";
import * as paths from "./api-paths";
import { CarryoverError } from "./errors";
import { isRecord } from "./http";

/** What `sendFile` takes: a File or Blob (browsers, Node), or a React Native file reference. */
export type FileInput = Blob | { uri: string; name: string; type: string; size?: number };

export interface FileInfo {
  name: string;
  /** The content type sent with the upload (lowercase, without parameters). */
  type: string;
  /** Bytes; 0 when not known before reading (a `{ uri }` without size). */
  size: number;
}

export interface UploadProgress {
  clientId: string;
  /** Bytes sent so far. */
  loaded: number;
  total: number;
}

/**
 * A handler property of the platform's request object. Declared through a
 * method so its parameter is compared both ways: the DOM's handlers take a
 * `ProgressEvent`, which has the fields named here and more.
 */
type Handler<E> = { handle(event: E): unknown }["handle"];

/**
 * The part of an `XMLHttpRequest` that uploads use. Spelled out here so the
 * SDK's types compile without the DOM lib (a Node project); a browser's,
 * React Native's or a polyfill's `XMLHttpRequest` has all of it.
 */
export interface XMLHttpRequestLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: Handler<{ loaded: number }> | null };
  onload: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
  onabort: Handler<unknown> | null;
}

/** An `XMLHttpRequest` constructor, e.g. `globalThis.XMLHttpRequest`. */
export type XMLHttpRequestConstructor = new () => XMLHttpRequestLike;

export interface UploadTransport {
  baseUrl: string;
  fetch?: typeof fetch;
  XMLHttpRequest?: XMLHttpRequestConstructor;
}

/** Name, type and size of a file input; the type falls back to what its extension says. */
export function fileInfo(file: FileInput): FileInfo {
  if (typeof Blob !== "undefined" && file instanceof Blob) {
    const name = "name" in file && typeof file.name === "string" && file.name ? file.name : "file";
    return { name, type: normaliseType(file.type, name), size: file.size };
  }
  const ref = file as { uri: string; name: string; type: string; size?: number };
  return { name: ref.name || "file", type: normaliseType(ref.type, ref.name), size: ref.size ?? 0 };
}

const BY_EXTENSION: Record<string, AttachmentContentType> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  mp4: "video/mp4",
  m4v: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  m4a: "audio/mp4",
  pdf: "application/pdf",
  txt: "text/plain",
};

function normaliseType(type: string, name: string): string {
  const clean = type.split(";")[0]!.trim().toLowerCase();
  if (clean && clean !== "application/octet-stream") return clean;
  return BY_EXTENSION[name.split(".").pop()?.toLowerCase() ?? ""] ?? (clean || "application/octet-stream");
}

/** The media type a message sends a file as, or null when the type is not allowed. */
export function mediaTypeOfFile(type: string): "image" | "video" | "audio" | "file" | null {
  return isAttachmentContentType(type) ? ATTACHMENT_TYPES[type] : null;
}

function parseAnswer(status: number, text: string, retryAfter: string | null): Attachment {
  let body: unknown = null;
  try {
    body = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    body = null;
  }
  if (status === 201 && isRecord(body) && isRecord(body.attachment) && typeof body.attachment.id === "string") {
    return body.attachment as unknown as Attachment;
  }
  const problem = isRecord(body) ? body : {};
  const code = typeof problem.code === "string" ? problem.code : status >= 500 ? "internal" : status === 0 ? "network" : `http_${status}`;
  const retry = Number(retryAfter ?? NaN);
  throw new CarryoverError(code, status, typeof problem.detail === "string" ? problem.detail : `upload failed (${status})`, {
    ...(Number.isFinite(retry) ? { retryAfter: retry } : {}),
  });
}

/**
 * Uploads `file` into `conversationId` and returns the attachment record.
 * Throws CarryoverError: the API's code (413 payload_too_large, 415
 * unsupported_media_type, …), "network" when no answer came, "cancelled"
 * when `signal` aborted it.
 */
export async function uploadFile(
  transport: UploadTransport,
  input: { token: string; conversationId: string; file: FileInput; info: FileInfo; signal: AbortSignal; onProgress: (loaded: number, total: number) => void },
): Promise<Attachment> {
  const base = transport.baseUrl.replace(/\/+$/, "");
  const url = `${base}${paths.upload(input.conversationId, input.info.name)}`;
  // Called unbound, a browser's fetch throws "Illegal invocation".
  const fetchFn: typeof fetch = (i, init) => (transport.fetch ? transport.fetch(i, init) : globalThis.fetch(i, init));
  let body: Blob;
  if (typeof Blob !== "undefined" && input.file instanceof Blob) body = input.file;
  else body = await (await fetchFn((input.file as { uri: string }).uri)).blob();
  const total = body.size;
  const Xhr = transport.XMLHttpRequest ?? (globalThis as { XMLHttpRequest?: XMLHttpRequestConstructor }).XMLHttpRequest;
  if (input.signal.aborted) throw cancelled();
  if (Xhr) return viaXhr(Xhr, url, input.token, input.info.type, body, input.signal, (loaded) => input.onProgress(loaded, total));
  input.onProgress(0, total);
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: "POST",
      headers: { authorization: `Bearer ${input.token}`, "content-type": input.info.type, accept: "application/json" },
      body,
      signal: input.signal,
    });
  } catch (cause) {
    if (input.signal.aborted) throw cancelled();
    throw new CarryoverError("network", 0, "the upload did not reach the server", { cause });
  }
  const attachment = parseAnswer(res.status, await res.text(), res.headers.get("retry-after"));
  input.onProgress(total, total);
  return attachment;
}

function cancelled(): CarryoverError {
  return new CarryoverError("cancelled", 0, "the upload was cancelled");
}

function viaXhr(
  Xhr: XMLHttpRequestConstructor,
  url: string,
  token: string,
  type: string,
  body: Blob,
  signal: AbortSignal,
  onProgress: (loaded: number) => void,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new Xhr();
    xhr.open("POST", url);
    xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.setRequestHeader("content-type", type);
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    const onAbort = () => xhr.abort();
    signal.addEventListener("abort", onAbort);
    const done = () => signal.removeEventListener("abort", onAbort);
    xhr.onload = () => {
      done();
      try {
        onProgress(body.size);
        resolve(parseAnswer(xhr.status, xhr.responseText, xhr.getResponseHeader("retry-after")));
      } catch (err) {
        reject(err);
      }
    };
    xhr.onerror = () => {
      done();
      reject(new CarryoverError("network", 0, "the upload did not reach the server"));
    };
    xhr.onabort = () => {
      done();
      reject(cancelled());
    };
    xhr.send(body);
  });
}
