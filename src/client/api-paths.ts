// The API paths the SDK calls (docs/API.md), built in one place: every id or
// topic in a path is percent-encoded, so a value can never reach another route.

const seg = encodeURIComponent;

/** A query string (`?a=1&b=2`) of the given members, in their order; undefined members are left out. */
function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) q.set(key, String(value));
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** Path builders, relative to the server's base URL (they start with `/v1/`). */
export const paths = {
  /** POST: open a session (any credential); DELETE: sign out every device. */
  sessions: "/v1/sessions",
  /** DELETE: sign this device out. */
  currentSession: "/v1/sessions/current",
  /** POST: the person's open conversation (created if none). */
  conversations: "/v1/conversations",
  /** GET: the person's threads. */
  myConversations: "/v1/me/conversations",
  /** GET: the tenant's broadcast topics with this person's choice. */
  subscriptions: "/v1/me/subscriptions",
  /** PUT subscribes, DELETE unsubscribes. */
  subscription: (topic: string) => `/v1/me/subscriptions/${seg(topic)}`,
  /** GET: the conversation's state and read cursors. */
  conversation: (id: string) => `/v1/conversations/${seg(id)}`,
  /** GET: a page of the event log, after or before a seq (exclusive), `limit` events at most. */
  events: (id: string, page: { after?: number; before?: number; limit: number }) =>
    `/v1/conversations/${seg(id)}/events${query({ after: page.after, before: page.before, limit: page.limit })}`,
  /** POST: send a message. */
  messages: (id: string) => `/v1/conversations/${seg(id)}/messages`,
  /** POST: move this person's read cursor. */
  read: (id: string) => `/v1/conversations/${seg(id)}/read`,
  /** POST: a handoff token for another device. */
  handoff: (id: string) => `/v1/conversations/${seg(id)}/handoff`,
  /** The WebSocket of a conversation, resuming after `after` (ws:/wss: on the same base). */
  live: (id: string, after: number) => `/v1/conversations/${seg(id)}/live${query({ after })}`,
  /** POST: upload a file's raw bytes into a conversation. */
  upload: (conversationId: string, filename: string) => `/v1/attachments${query({ conversationId, filename })}`,
  /** GET: a short-lived signed URL of an attachment. */
  attachmentUrl: (attachmentId: string) => `/v1/attachments/${seg(attachmentId)}/url`,
} as const;
