// The channel sink: one business message → the platform's send API
// (`${GRAPH_API_BASE}/<page or phone number id>/messages`), the answer
// classified as ok, retryable (network, 5xx, 429, rate-limit and transient
// Graph codes) or permanent (everything else, an expired token — code 190 —
// included). Messenger's 24-hour window is applied before anything is sent.
// Codes: Meta's Graph API error handling, Messenger Platform error codes,
// WhatsApp Cloud API error codes.
import type { Env } from "../env";
import type { Content } from "../protocol/content";
import type { Sender } from "../protocol/event";
import { toMessenger } from "./map-messenger";
import { toWhatsApp } from "./map-whatsapp";
import type { ChannelConfig } from "./settings";

/** The public Graph API; GRAPH_API_BASE replaces it (no trailing slash). */
export const DEFAULT_GRAPH_API_BASE = "https://graph.facebook.com/v23.0";
/** Messenger's standard messaging window after the person's last message. */
export const STANDARD_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long the HUMAN_AGENT tag lets a human agent answer after it. */
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Graph error codes that mean "slow down": API too many calls, user/app/page limits, WhatsApp throughput and pair rate. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80001, 80006, 130429, 131056]);
/** Graph error codes that mean "try again later": unknown/service errors, WhatsApp's "something went wrong" and "service unavailable". */
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016, 133004]);

export type SendOutcome =
  | { kind: "ok"; messageId: string | null; status: number }
  | { kind: "retryable"; status: number | null; error: string; retryAfterS?: number; response?: string }
  | { kind: "permanent"; status: number | null; error: string; response?: string };

export interface PlatformRequest {
  url: string;
  body: Record<string, unknown>;
}

export interface SendResult {
  /** The outcome of the last request made (ok when every part went). */
  outcome: SendOutcome;
  /** How many parts are sent in total now (resume from here after a retryable failure). */
  partsSent: number;
  /** The platform's ids of the parts sent by this call. */
  messageIds: string[];
}

/** Where a channel's sends go: its dev simulator, else GRAPH_API_BASE, else the public Graph API. */
export function graphBaseOf(env: Pick<Env, "GRAPH_API_BASE">, config: Pick<ChannelConfig, "apiBase">): string {
  return (config.apiBase ?? env.GRAPH_API_BASE ?? DEFAULT_GRAPH_API_BASE).replace(/\/+$/, "");
}

/**
 * The requests that deliver `content` to `recipient`, in order, or why it
 * may not be sent. Messenger: inside 24 h of the person's last message
 * (`lastInboundAt`, platform ms) `messaging_type: RESPONSE`; after that a
 * human agent's message carries the HUMAN_AGENT tag (up to 7 days) and a
 * bot's is refused (Messenger Platform messaging policy).
 */
export function platformRequests(
  base: string,
  config: Pick<ChannelConfig, "kind" | "accountId">,
  recipient: { id: string; name?: string; lastInboundAt: number | null },
  content: Content,
  sender: Pick<Sender, "role">,
  now = Date.now(),
): { requests: PlatformRequest[] } | { refused: string } {
  const url = `${base}/${encodeURIComponent(config.accountId)}/messages`;
  if (config.kind === "whatsapp") {
    return {
      requests: toWhatsApp(content).map((message) => ({
        url,
        body: { messaging_product: "whatsapp", recipient_type: "individual", to: recipient.id, ...message },
      })),
    };
  }
  const since = recipient.lastInboundAt === null ? Number.POSITIVE_INFINITY : now - recipient.lastInboundAt;
  let envelope: Record<string, unknown>;
  if (since <= STANDARD_WINDOW_MS) envelope = { messaging_type: "RESPONSE" };
  else if (sender.role === "agent" && since <= HUMAN_AGENT_WINDOW_MS) envelope = { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" };
  else if (sender.role === "agent") return { refused: "outside Messenger's 7-day HUMAN_AGENT window: the person has to write first" };
  else return { refused: "outside Messenger's 24-hour messaging window: a bot may not message until the person writes again (a human agent's message would use the HUMAN_AGENT tag)" };
  return {
    requests: toMessenger(content, recipient.name).map((message) => ({
      url,
      body: { recipient: { id: recipient.id }, ...envelope, message },
    })),
  };
}

function retryAfterOf(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 24 * 3600);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, Math.ceil((at - Date.now()) / 1000)), 24 * 3600);
}

/** Classifies a Graph API answer (see the module comment). */
export function classify(status: number, bodyText: string, retryAfter: string | null): SendOutcome {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    // not JSON: the status decides
  }
  const response = bodyText.slice(0, 1024);
  if (status >= 200 && status < 300) {
    const body = (parsed ?? {}) as { message_id?: unknown; messages?: { id?: unknown }[] };
    const id = typeof body.message_id === "string" ? body.message_id : typeof body.messages?.[0]?.id === "string" ? body.messages[0].id : null;
    return { kind: "ok", messageId: id, status };
  }
  const error = (parsed as { error?: { code?: unknown; error_subcode?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === "number" ? error.code : null;
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  const described = code === null ? message : `${message} (code ${code}${typeof error?.error_subcode === "number" ? `/${error.error_subcode}` : ""})`;
  const after = retryAfterOf(retryAfter);
  if (code === 190) {
    return { kind: "permanent", status, error: `the channel's access token is expired or invalid: ${described}; set a new one with PUT /v1/channels`, response };
  }
  if (status === 429 || status >= 500 || (code !== null && (RATE_LIMIT_CODES.has(code) || TRANSIENT_CODES.has(code)))) {
    return { kind: "retryable", status, error: described, response, ...(after !== undefined ? { retryAfterS: after } : {}) };
  }
  return { kind: "permanent", status, error: described, response };
}

/** One request to the platform with the channel's token, classified. */
export async function postToPlatform(config: Pick<ChannelConfig, "accessToken">, request: PlatformRequest): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(request.url, {
      method: "POST",
      headers: { authorization: `Bearer ${config.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    return { kind: "retryable", status: null, error: `no answer from the platform: ${err instanceof Error ? err.message : String(err)}` };
  }
  return classify(res.status, await res.text(), res.headers.get("retry-after"));
}

/**
 * Sends `content` from `sender` to `recipient` through the tenant's channel,
 * starting at part `fromPart` (a content may take several messages). Stops
 * at the first part that fails. This is the outbox's "channel" sink.
 */
export async function sendToPlatform(
  env: Pick<Env, "GRAPH_API_BASE">,
  config: ChannelConfig,
  recipient: { id: string; name?: string; lastInboundAt: number | null },
  content: Content,
  sender: Pick<Sender, "role">,
  fromPart = 0,
  now = Date.now(),
): Promise<SendResult> {
  const plan = platformRequests(graphBaseOf(env, config), config, recipient, content, sender, now);
  if ("refused" in plan) return { outcome: { kind: "permanent", status: null, error: plan.refused }, partsSent: fromPart, messageIds: [] };
  const messageIds: string[] = [];
  let partsSent = fromPart;
  let outcome: SendOutcome = { kind: "ok", messageId: null, status: 200 };
  for (const request of plan.requests.slice(fromPart)) {
    outcome = await postToPlatform(config, request);
    if (outcome.kind !== "ok") break;
    partsSent++;
    if (outcome.messageId) messageIds.push(outcome.messageId);
  }
  return { outcome, partsSent, messageIds };
}
