// The API paths the SDK calls (docs/API.md), built in one place: every id or
// topic in a path is percent-encoded, so a value can never reach another route.

const seg = encodeURIComponent;

// Every builder returns a path relative to the server's base URL (from `/v1/`).
// Import the module as a namespace (`import * as paths`): the bundler keeps
// only the builders used and gives them short names.

/** POST: open a session (any credential); DELETE: sign out every device. */
export const sessions = "/v1/sessions";
/** DELETE: sign this device out. */
export const currentSession = "/v1/sessions/current";
/** POST: the person's open conversation (created if none). */
export const conversations = "/v1/conversations";
/** GET: the person's threads. */
export const myConversations = "/v1/me/conversations";
/** GET: the tenant's broadcast topics with this person's choice. */
export const subscriptions = "/v1/me/subscriptions";
/** PUT subscribes, DELETE unsubscribes. */
export const subscription = (topic: string): string => `${subscriptions}/${seg(topic)}`;
/** GET: the conversation's state and read cursors. */
export const conversation = (id: string): string => `${conversations}/${seg(id)}`;
/** GET: a page of the event log: `limit` events at most after or before (`from`) a seq, exclusive. */
export const events = (id: string, from: "after" | "before", seq: number, limit: number): string =>
  `${conversation(id)}/events?${from}=${seq}&limit=${limit}`;
/** POST: send a message. */
export const messages = (id: string): string => `${conversation(id)}/messages`;
/** POST: move this person's read cursor. */
export const read = (id: string): string => `${conversation(id)}/read`;
/** POST: a handoff token for another device. */
export const handoff = (id: string): string => `${conversation(id)}/handoff`;
/**
 * The thread's live socket (ws:/wss: on the same base), replaying after
 * `after` in batches (REPLAY_BATCH_QUERY, API.md "Batched replay"), direct
 * (DIRECT_QUERY, API.md "Direct sockets": the caller sends a frame as soon as
 * it opens). A server without either replays per event and relays. Written
 * out, not built from those constants: the widget's size budget
 * (test/unit/sdk-unit-api-paths.test.ts keeps the two in step).
 */
export const live = (id: string, after: number): string => `${conversation(id)}/live?after=${after}&replay=batch&direct=1`;
/** POST: upload a file's raw bytes into a conversation. */
export const upload = (conversationId: string, filename: string): string =>
  `/v1/attachments?${new URLSearchParams({ conversationId, filename }).toString()}`;
/** GET: a short-lived signed URL of an attachment. */
export const attachmentUrl = (attachmentId: string): string => `/v1/attachments/${seg(attachmentId)}/url`;
