// Messenger channels as a kind of outbox sink (sink id
// `channel:<messenger|whatsapp>:<platform user id>`): a business message in a
// thread bound to a messenger identity is enqueued for that identity in the
// append transaction (src/conversation/outbox-entries.ts), and the
// Conversation DO's outbox sends it with sendToPlatform (send.ts) — in seq
// order, one lane per identity, so a failing platform never holds up the
// thread's webhooks or the other way round. Retryable answers (5xx, rate
// limits, no answer) are retried on the outbox's schedule, Retry-After
// honoured; permanent ones (an expired token, a message outside Messenger's
// window) fail the one delivery and the next goes on.
import type { Env } from "../env";
import type { Content } from "../protocol/content";
import type { Event, Sender } from "../protocol/event";
import type { AttemptOutcome, OutboxEntry, SinkKind } from "../outbox/sink";
import type { ChannelBinding } from "./binding";
import type { ChannelSends } from "./channel-sends";
import { sendToPlatform } from "./send";
import { findChannel, type ChannelKind } from "./settings";

export const CHANNEL_SINK = "channel";

/** Sender roles whose messages go out to the bound messenger identity (never the customer's own). */
const BUSINESS_ROLES = new Set<string>(["bot", "agent", "system"]);

/** The sink id of a messenger identity. */
export function channelSinkId(binding: Pick<ChannelBinding, "channel" | "recipient">): string {
  return `${CHANNEL_SINK}:${binding.channel}:${binding.recipient}`;
}

/** What a channel delivery carries, built once from the event (every retry sends the same message). */
export interface ChannelDeliveryBody {
  seq: number;
  eventId: string;
  channel: ChannelKind;
  recipient: string;
  sender: Pick<Sender, "role">;
  content: Content;
}

/** What the sink needs from the Conversation DO it runs in. */
export interface ChannelHost {
  /** The thread's current binding: its `lastInboundAt` decides Messenger's window at send time. */
  binding(): ChannelBinding | null;
  sends: ChannelSends;
}

/**
 * The outbox entry that sends `event` to the thread's messenger identity, or
 * null when it is not a business message or the thread is not bound
 * (`bindingOf`, read only for business messages). Called
 * inside the append transaction, so the message and its delivery are
 * committed together.
 */
export function channelEntry(event: Event, bindingOf: () => ChannelBinding | null, owner: OutboxEntry["owner"]): OutboxEntry | null {
  if (event.type !== "message.created" || !BUSINESS_ROLES.has(event.sender.role)) return null;
  // Read only for business messages: the append path stays one query shorter for everything else.
  const binding = bindingOf();
  if (!binding) return null;
  const body: ChannelDeliveryBody = {
    seq: event.seq,
    eventId: event.id,
    channel: binding.channel,
    recipient: binding.recipient,
    sender: { role: event.sender.role },
    content: event.content,
  };
  return { type: event.type, seq: event.seq, at: event.at, ...(owner ? { owner } : {}), data: body, only: channelSinkId(binding) };
}

/** The channel sink kind of one Conversation DO. */
export function channelSink(env: Env, host: ChannelHost): SinkKind {
  return {
    kind: CHANNEL_SINK,

    // Channel entries name their sink (`only`); nothing else goes to a messenger identity.
    async sinksFor(): Promise<string[]> {
      return [];
    },

    async body(_stream, _sink, entry): Promise<string> {
      return JSON.stringify(entry.data);
    },

    async send(stream, delivery): Promise<AttemptOutcome> {
      const body = JSON.parse(delivery.body) as ChannelDeliveryBody;
      const config = await findChannel(env, stream.tenant, body.channel);
      if (!config) return { ok: false, status: null, error: `the tenant has no ${body.channel} channel set up`, response: null, permanent: true };
      const binding = host.binding();
      const current = binding !== null && binding.channel === body.channel && binding.recipient === body.recipient;
      // sendToPlatform bounds each request by its own 15 s timeout (the outbox's attempt timeout).
      const result = await sendToPlatform(
        env,
        config,
        { id: body.recipient, lastInboundAt: current ? binding.lastInboundAt : null },
        body.content,
        body.sender,
        host.sends.partsSent(delivery.id),
      );
      const { outcome } = result;
      host.sends.progressed(delivery.id, body.seq, result.partsSent, result.messageIds, outcome.kind === "ok" ? Date.now() : null);
      if (outcome.kind === "ok") return { ok: true, status: outcome.status, response: null };
      return {
        ok: false,
        status: outcome.status,
        error: outcome.error,
        response: outcome.response ?? null,
        ...(outcome.kind === "permanent" ? { permanent: true } : {}),
        ...(outcome.kind === "retryable" && outcome.retryAfterS !== undefined ? { retryAfterMs: outcome.retryAfterS * 1000 } : {}),
      };
    },

    // A channel removed from the tenant fails each delivery with a clear error in send().
    async active(): Promise<boolean> {
      return true;
    },

    // Never called: the channel sink never reports its identity gone.
    async disable(): Promise<void> {},
  };
}
