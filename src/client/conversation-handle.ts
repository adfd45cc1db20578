// What an app holds for one conversation (`client.conversation()`): the
// public shape of a conversation handle, the events it emits and what the
// client builds one from.
import type { Content } from "../protocol/content";
import type { ConversationStatus, Event, Owner, Sender } from "../protocol/event";
import type { ServerFrame } from "../protocol/wire";
import type { BackoffOptions } from "./backoff";
import type { Conversation } from "./conversation";
import type { CarryoverError } from "./errors";
import type { LiveState } from "./live";
import type { Outbox } from "./outbox";
import type { CarryoverUser, Session } from "./session";
import type { TimelineItem } from "./timeline";
import type { FileInput, UploadProgress, UploadTransport } from "./upload";

export interface ConversationHandle {
  readonly id: string;
  readonly items: readonly TimelineItem[];
  readonly lastSeq: number;
  readonly connection: LiveState;
  readonly unread: number;
  readonly status: ConversationStatus;
  readonly owner: Owner;
  /** Appends locally at once as pending, stores it in the durable outbox, delivers until acknowledged. */
  send(content: Content): TimelineItem;
  /** Delivers a failed message again; a file whose upload was lost in a reload needs the file again. */
  retry(clientId: string, file?: FileInput): void;
  /**
   * Uploads a file (a File/Blob, or React Native's `{ uri, name, type }`) and
   * then sends it as a media message, shown pending at once with upload
   * progress ("upload" events, `pending.upload.loaded`). Throws
   * unsupported_media_type for a type the API does not take, and
   * payload_too_large (413) before any upload when `maxBytes` (the upload
   * limit, when the caller knows it; API default 25 MiB) is given and passed.
   */
  sendFile(file: FileInput, options?: { caption?: string; maxBytes?: number }): TimelineItem;
  /** Cancels a message not sent yet (an upload in progress, or a failed message); false when it already went. */
  cancel(clientId: string): boolean;
  /** A short-lived signed URL for an attachment (for an image source or a download link). */
  attachmentUrl(attachmentId: string): Promise<string>;
  /** Whether history older than the first item exists on the server. */
  readonly hasOlder: boolean;
  /** Loads older history (before the first seq held); returns false when there is none. */
  loadOlder(limit?: number): Promise<boolean>;
  markRead(seq?: number): void;
  typing(on: boolean): void;
  /** Reconnects now instead of waiting for the next backoff step (app resumed, network back). */
  reconnect(): void;
  /**
   * Live updates from another source instead of this handle's own socket
   * (another tab's socket, relayed): the socket closes and `event`, `read`
   * and `typing` frames come from `source`; sends go over HTTP. `null` opens
   * this handle's own socket again.
   */
  follow(source: LiveSource | null): void;
  on(event: "change", fn: () => void): () => void;
  on(event: "event", fn: (e: Event) => void): () => void;
  on(event: "read", fn: (r: { userId: string; deviceId: string; seq: number }) => void): () => void;
  on(event: "typing", fn: (t: { sender: Sender; state: "on" | "off" }) => void): () => void;
  on(event: "upload", fn: (p: UploadProgress) => void): () => void;
  close(): void;
}

/** Server frames (`event`, `read`, `typing`) relayed from elsewhere, e.g. another tab's socket. */
export interface LiveSource {
  subscribe(onFrame: (frame: ServerFrame) => void): () => void;
}

/** What a handle emits, by event name. */
export interface HandleEvents {
  change: undefined;
  upload: UploadProgress;
  event: Event;
  read: { userId: string; deviceId: string; seq: number };
  typing: { sender: Sender; state: "on" | "off" };
}

/** What a conversation handle is built from (by the client: one per open conversation). */
export interface HandleDeps {
  id: string;
  session: Session;
  outbox: Outbox;
  liveUrl: (id: string, after: number) => string;
  WebSocket: typeof WebSocket | undefined;
  backoff: BackoffOptions;
  pageSize: number;
  /** How long to wait for a socket ack before trying again, ms. */
  ackTimeout: number;
  /** How long a socket may take from connect to ready, ms. */
  connectTimeout: number;
  onError: (err: CarryoverError) => void;
  onClosed: (handle: Conversation) => void;
  /** The client's session announcements (to follow sign-out and login). */
  onSession: (fn: (user: CarryoverUser | null) => void) => () => void;
  /** Where and how files are uploaded (sendFile). */
  upload: UploadTransport;
  /** Opens no socket until follow() decides where live updates come from. */
  deferLive?: boolean;
}
