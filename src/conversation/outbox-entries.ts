// A conversation's outbox (src/outbox/outbox.ts) and what it puts there, and
// when: every log event of a type some sink may take (one hook in
// EventStore's append), conversation.created, customer read cursors and
// notes. Each entry is enqueued in the same synchronous transaction as the
// change it reports.
import type { ChannelBinding } from "../channels/binding";
import type { ChannelSends } from "../channels/channel-sends";
import { channelEntry } from "../channels/channel-sink";
import type { Env } from "../env";
import { sinkKinds } from "../outbox/kinds";
import { Outbox } from "../outbox/outbox";
import type { OutboxEntry, StreamInfo } from "../outbox/sink";
import type { ConversationInfo, Event, Owner } from "../protocol/event";
import type { Note } from "../protocol/note";
import { wantedTypes } from "../webhooks/endpoints";
import type { ConversationMeta } from "./meta";
import { SinkInterest } from "./sink-interest";

/** Log event types that go out (API.md "Webhooks" → event types). */
const OUTGOING_EVENTS = new Set<string>(["message.created", "conversation.updated", "payment.updated"]);

/** What a conversation's outbox reads from its Conversation DO. */
export interface ConversationOutboxHost {
  meta(): ConversationMeta | null;
  /** The thread's messenger binding (its channel sink takes business messages), or null. */
  binding(): ChannelBinding | null;
  sends: ChannelSends;
  /** Has the DO's alarm drain the outbox at or before `at` (ms since the epoch). */
  wake(at: number): void;
}

/**
 * A Conversation DO's outbox (ordered: one sink's deliveries go in seq
 * order), and the cached endpoint interest that keeps entries no sink would
 * take out of it (see sink-interest.ts).
 */
export function conversationOutbox(storage: DurableObjectStorage, env: Env, host: ConversationOutboxHost): { outbox: Outbox; sinkInterest: SinkInterest } {
  const sinkInterest = new SinkInterest({
    watch: (tenant, until) => env.TENANT_OUTBOX.getByName(tenant).watchEndpoints(tenant, host.meta()!.id, until),
    wantedTypes: (tenant) => wantedTypes(env, tenant),
  });
  const channelHost = { binding: () => host.binding(), sends: host.sends };
  const outbox = new Outbox(storage, sinkKinds(env, channelHost), () => conversationStream(host.meta()), {
    ordered: true,
    wake: (at) => host.wake(at),
    // A bound thread's entries are kept whatever the endpoints (channel sinks take them).
    wants: (entry) => {
      const meta = host.meta();
      return !meta || host.binding() !== null || sinkInterest.wants(meta.tenant, entry.type);
    },
  });
  return { outbox, sinkInterest };
}

/** The stream a conversation's outbox sends for, once the conversation exists. */
export function conversationStream(meta: ConversationMeta | null): StreamInfo | null {
  return meta ? { tenant: meta.tenant, conversationId: meta.id } : null;
}

/**
 * Called by EventStore for every appended event (inside its transaction). A
 * business message in a thread bound to a messenger identity (`binding()`) is
 * also enqueued for that identity's channel sink (src/channels/channel-sink.ts).
 */
export function enqueueEvent(outbox: Outbox, event: Event, meta: ConversationMeta | null, binding: () => ChannelBinding | null = () => null): void {
  if (!meta || !OUTGOING_EVENTS.has(event.type)) return;
  outbox.enqueue({ type: event.type, seq: event.seq, at: event.at, owner: meta.owner, data: event });
  const channel = channelEntry(event, binding, meta.owner);
  if (channel) outbox.enqueue(channel);
}

export function conversationCreated(meta: ConversationMeta, info: ConversationInfo): OutboxEntry {
  return { type: "conversation.created", at: meta.createdAt, owner: meta.owner, data: { conversation: info, customer: { id: meta.userId } } };
}

/** A customer device's read cursor moved. */
export function readMoved(meta: ConversationMeta, read: { userId: string; deviceId: string; seq: number }): OutboxEntry {
  return { type: "read", at: new Date().toISOString(), owner: meta.owner, data: read };
}

/**
 * An internal note was stored (Writes.noteCommitted in writes.ts, in the same
 * synchronous block as the insert). `note` is the API's note object
 * ({ id, afterSeq, at, sender, text }); notes reach business webhooks only.
 */
export function noteCreated(note: Note, owner: Owner): OutboxEntry {
  return { type: "note.created", at: note.at, owner, data: { note } };
}
