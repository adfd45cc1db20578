// Every kind of sink the outboxes send to. A new kind (the messenger
// platforms' send API) implements SinkKind (src/outbox/sink.ts) and is added
// here; it then gets order, retries, status, retry-one and recover for free.
import type { Env } from "../env";
import { webhookSink } from "../webhooks/webhook-sink";
import type { SinkKind } from "./sink";

export function sinkKinds(env: Env): SinkKind[] {
  return [webhookSink(env)];
}
