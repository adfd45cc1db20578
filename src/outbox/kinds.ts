// Every kind of sink the outboxes send to. A new kind (the messenger
// platforms' send API) implements SinkKind (src/outbox/sink.ts) and is added
// here; it then gets order, retries, status, retry-one and recover for free.
import { channelSink, type ChannelHost } from "../channels/channel-sink";
import type { Env } from "../env";
import { webhookSink } from "../webhooks/webhook-sink";
import type { SinkKind } from "./sink";

/** The sink kinds of an outbox; a conversation's (with `channels`) also sends to its messenger identity. */
export function sinkKinds(env: Env, channels?: ChannelHost): SinkKind[] {
  return channels ? [webhookSink(env), channelSink(env, channels)] : [webhookSink(env)];
}
