// The JSON body of a webhook delivery, written once for both ends: the
// Worker that sends it (src/webhooks/webhook-sink.ts) and the testing kit's
// receiver (src/testing/webhook-receiver.ts). Types only, importing nothing,
// so the package's declaration build pulls in no Worker types.

/**
 * The JSON body of a delivery (API.md "Webhooks"). `id` is also the
 * `webhook-id` header, the same on every retry of one message; `seq` and
 * `prevSeq` order a conversation's deliveries (absent on tenant-wide events);
 * `timestamp` is ISO 8601; `Data` is the shape `data` is read as.
 */
export interface WebhookBody<Data = unknown> {
  id: string;
  type: string;
  tenant: string;
  conversationId?: string;
  seq?: number;
  prevSeq?: number;
  standby?: boolean;
  timestamp: string;
  data: Data;
}
