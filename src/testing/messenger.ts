// A test tenant's Messenger channel, played against the dev-only simulator the
// kit's Carryover runs (DEV_SEED; README "Messenger channels" → local
// development): `connect()` sets the channel up as a business would, `send()`
// is a person writing in the Messenger app (a signed platform webhook into the
// Worker), `sent()` / `waitForSent()` are what Carryover sent back through the
// send API, as the simulator recorded it. Contract: API.md "Messenger channels".
import { createHmac, randomInt, randomUUID } from "node:crypto";

/**
 * The page access token the simulator's send API accepts
 * (src/channels/demo-seed.ts); any other is answered like an expired token.
 */
export const SIMULATOR_PAGE_ACCESS_TOKEN = "demo-page-access-token";

/** What a person does in the Messenger app: one of these (the shape of the simulator's `POST /demo/messenger/send`). */
export type MessengerInput =
  | { text: string }
  | { quickReply: { title: string; payload: string } }
  | { postback: { title: string; payload: string } }
  /** Opening an m.me link with `?ref=` (e.g. one from `POST /v1/conversations/:id/channel-link`). */
  | { ref: string }
  /** A read receipt for everything sent so far. */
  | { read: true };

/** One send-API request body as Carryover sent it (Messenger Platform Send API). */
export interface SentMessage {
  recipient: { id: string };
  /** `RESPONSE` inside the 24-hour window, `MESSAGE_TAG` (with `tag: "HUMAN_AGENT"`) after it. */
  messaging_type?: string;
  tag?: string;
  /** `{ text, quick_replies? }` or `{ attachment: { type, payload } }`. */
  message: { text?: string; quick_replies?: unknown[]; attachment?: { type: string; payload: Record<string, unknown> } } & Record<string, unknown>;
}

export interface SentWaitOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Only a message for which this returns true. */
  match?: (message: SentMessage) => boolean;
}

/** Where the person's thread is (the contacts extension of README "Messenger channels"). */
export interface MessengerContact {
  /** `msgr_<psid>`. */
  person: string;
  conversationId: string;
  /** The website person the identity was linked to by a channel-link ref or handoff, else null. */
  linkedTo: string | null;
}

export interface TestMessenger {
  /** The page id `connect()` registers: random digits, one page per tenant. */
  readonly pageId: string;
  /** The app secret platform webhooks are signed with (`X-Hub-Signature-256`). */
  readonly appSecret: string;
  /** The verify token of the `GET` handshake. */
  readonly verifyToken: string;
  /** `<url>/v1/channels/<tenant>/messenger/webhook`: where Meta would post. */
  readonly webhookUrl: string;
  /**
   * Sets up the tenant's Messenger channel (`PUT /v1/channels/messenger`,
   * admin key) with this page, app secret and verify token and the
   * simulator's page access token; Carryover's sends then go to the
   * simulator. Idempotent.
   * @throws Error with the server's answer when it is refused.
   */
  connect(): Promise<void>;
  /** A fresh page-scoped id (16 digits): one per person, so no test sees another's recordings. */
  psid(): string;
  /**
   * The person `psid` writes `text` (or does `input`) in the Messenger app:
   * a platform webhook signed with the app secret, `POST`ed to
   * `webhookUrl`. Carryover answers `200` at once and stores the message
   * from an alarm a moment later: wait for its webhook or `contact()`.
   * @throws Error when Carryover does not answer 200 (e.g. 404 before `connect()`).
   */
  send(psid: string, input: string | MessengerInput): Promise<void>;
  /** The person's thread, or null until their first message is stored (`GET /v1/channels/messenger/contacts/:psid`). */
  contact(psid: string): Promise<MessengerContact | null>;
  /** Every send-API request Carryover made to `psid`, oldest first (`GET /demo/messenger/sent?recipient=`). */
  sent(psid: string): Promise<SentMessage[]>;
  /**
   * The next message sent to `psid` not yet returned by an earlier call (it
   * may have been sent before this call), polled from the simulator.
   * @throws Error after `timeoutMs`, listing what was sent.
   */
  waitForSent(psid: string, options?: SentWaitOptions): Promise<SentMessage>;
}

/** What the messenger helper needs of its tenant. */
export interface MessengerHost {
  url: string;
  tenant: string;
  adminKey: string;
}

function randomDigits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
}

function isSentMessage(value: unknown): value is SentMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const recipient = v.recipient as Record<string, unknown> | undefined;
  return typeof recipient?.id === "string" && typeof v.message === "object" && v.message !== null;
}

/** One Messenger Platform messaging event for what the person did (Meta's webhook reference). */
function messagingEvent(pageId: string, psid: string, input: MessengerInput, now: number): Record<string, unknown> {
  const base = { sender: { id: psid }, recipient: { id: pageId }, timestamp: now };
  const mid = `m_${randomUUID()}`;
  if ("text" in input) return { ...base, message: { mid, text: input.text } };
  if ("quickReply" in input) return { ...base, message: { mid, text: input.quickReply.title, quick_reply: { payload: input.quickReply.payload } } };
  if ("postback" in input) return { ...base, postback: { mid, title: input.postback.title, payload: input.postback.payload } };
  if ("ref" in input) return { ...base, referral: { ref: input.ref, source: "SHORTLINK", type: "OPEN_THREAD" } };
  return { ...base, read: { watermark: now } };
}

const POLL_MS = 50;

/** The Messenger helper of one test tenant (`tenant.messenger`). */
export function createTestMessenger(host: MessengerHost): TestMessenger {
  const pageId = randomDigits(15);
  const appSecret = `test-app-secret-${randomUUID()}`;
  const verifyToken = `test-verify-${randomUUID()}`;
  const webhookUrl = `${host.url}/v1/channels/${host.tenant}/messenger/webhook`;
  /** Per psid, the indexes of recorded messages waitForSent already returned. */
  const returned = new Map<string, Set<number>>();

  async function sent(psid: string): Promise<SentMessage[]> {
    const res = await fetch(`${host.url}/demo/messenger/sent?recipient=${encodeURIComponent(psid)}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`GET /demo/messenger/sent answered ${res.status}: ${text}`);
    const { messages } = JSON.parse(text) as { messages: unknown[] };
    return messages.filter(isSentMessage);
  }

  return {
    pageId,
    appSecret,
    verifyToken,
    webhookUrl,
    async connect() {
      const res = await fetch(`${host.url}/v1/channels/messenger`, {
        method: "PUT",
        headers: { authorization: `Bearer ${host.adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ pageId, pageAccessToken: SIMULATOR_PAGE_ACCESS_TOKEN, appSecret, verifyToken }),
      });
      if (!res.ok) throw new Error(`PUT /v1/channels/messenger answered ${res.status}: ${await res.text()}`);
    },
    psid: () => randomDigits(16),
    async send(psid, input) {
      const now = Date.now();
      const event = messagingEvent(pageId, psid, typeof input === "string" ? { text: input } : input, now);
      const raw = JSON.stringify({ object: "page", entry: [{ id: pageId, time: now, messaging: [event] }] });
      const signature = `sha256=${createHmac("sha256", appSecret).update(raw).digest("hex")}`;
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body: raw,
      });
      const answer = await res.text();
      if (res.status !== 200) throw new Error(`POST ${new URL(webhookUrl).pathname} answered ${res.status}: ${answer}`);
    },
    async contact(psid) {
      const res = await fetch(`${host.url}/v1/channels/messenger/contacts/${encodeURIComponent(psid)}`, {
        headers: { authorization: `Bearer ${host.adminKey}` },
      });
      const text = await res.text();
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`GET /v1/channels/messenger/contacts answered ${res.status}: ${text}`);
      const { contact } = JSON.parse(text) as { contact: Omit<MessengerContact, "conversationId"> & { conversationId: string | null } };
      // A contact whose first items are still waiting (or were given up on) has no thread yet.
      if (contact.conversationId === null) return null;
      return { person: contact.person, conversationId: contact.conversationId, linkedTo: contact.linkedTo };
    },
    sent,
    async waitForSent(psid, { timeoutMs = 10_000, match = () => true } = {}) {
      const taken = returned.get(psid) ?? new Set<number>();
      returned.set(psid, taken);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const messages = await sent(psid);
        const index = messages.findIndex((m, i) => !taken.has(i) && match(m));
        const found = messages[index];
        if (found) {
          taken.add(index);
          return found;
        }
        if (Date.now() > deadline) {
          const seen = messages.map((m) => JSON.stringify(m.message)).join(", ") || "nothing";
          throw new Error(`nothing new sent to ${psid} within ${timeoutMs} ms (sent: ${seen})`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
  };
}
