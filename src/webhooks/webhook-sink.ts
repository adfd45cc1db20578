// Webhook endpoints as a kind of outbox sink (sink id `webhook:<endpoint id>`):
// who subscribes to what, the delivery body (API.md "Webhooks"), Standard
// Webhooks signing, and what an answer means (2xx done, 410 gone,
// Retry-After honoured, anything else retried).
import type { Env } from "../env";
import { parseRetryAfter } from "../outbox/retry";
import type { AttemptOutcome, OutboxEntry, SinkKind, StreamInfo } from "../outbox/sink";
import type { WebhookBody } from "../protocol/webhook-body";
import { settingsOf } from "../env";
import { recordDeliveries } from "./deliveries-index";
import { disableEndpoint, findEndpoint, signingSecrets, subscribers } from "./endpoints";
import { webhookHeaders } from "./signing";
import { webhookUrlProblem } from "./url-policy";

export const WEBHOOK_SINK = "webhook";

/** The sink id of an endpoint. */
export function webhookSinkId(endpointId: string): string {
  return `${WEBHOOK_SINK}:${endpointId}`;
}

function endpointIdOf(sink: string): string {
  return sink.slice(WEBHOOK_SINK.length + 1);
}

/** Reads at most `max` bytes of a response body (the rest is not waited for). */
async function headOf(response: Response, max = 1024): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  void reader.cancel().catch(() => undefined);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all.slice(0, max));
}

export function webhookSink(env: Env): SinkKind {
  return {
    kind: WEBHOOK_SINK,

    async sinksFor(stream: StreamInfo, entry: OutboxEntry): Promise<string[]> {
      if (entry.type === "ping") return [];
      return (await subscribers(env, stream.tenant, entry.type)).map((e) => webhookSinkId(e.id));
    },

    async body(stream, sink, entry, delivery): Promise<string> {
      const endpoint = await findEndpoint(env, stream.tenant, endpointIdOf(sink), false);
      if (!endpoint) throw new Error(`endpoint ${sink} not found`);
      const body: WebhookBody = { id: delivery.id, type: entry.type, tenant: stream.tenant, timestamp: entry.at, data: entry.data };
      if (stream.conversationId) body.conversationId = stream.conversationId;
      if (entry.seq !== undefined) body.seq = entry.seq;
      if (delivery.prevSeq !== null) body.prevSeq = delivery.prevSeq;
      // Only a bot endpoint is told whether it is on standby (an agent owns the thread).
      if (endpoint.bot && stream.conversationId) body.standby = entry.owner === "agent";
      return JSON.stringify(body);
    },

    async send(stream, delivery, signal): Promise<AttemptOutcome> {
      const found = await signingSecrets(env, stream.tenant, endpointIdOf(delivery.sink));
      if (!found) return { ok: false, status: null, error: "endpoint deleted", response: null, gone: true };
      // Checked again at send time: a URL stored before a policy change never slips through.
      const refused = webhookUrlProblem(found.endpoint.url, settingsOf(env).devSeed);
      if (refused) return { ok: false, status: null, error: `URL refused: ${refused}`, response: null };
      const headers = await webhookHeaders(found.secrets, delivery.id, delivery.body);
      const response = await fetch(found.endpoint.url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": "Carryover-Webhooks/1" },
        body: delivery.body,
        // A redirect could lead anywhere, private addresses included: it counts as a failure.
        redirect: "manual",
        signal,
      });
      const text = await headOf(response);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, response: text };
      const outcome: AttemptOutcome = {
        ok: false,
        status: response.status,
        error: `HTTP ${response.status}`,
        response: text,
      };
      if (response.status === 410) outcome.gone = true;
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
      if (retryAfter !== undefined) outcome.retryAfterMs = retryAfter;
      return outcome;
    },

    async active(stream, sink): Promise<boolean> {
      const endpoint = await findEndpoint(env, stream.tenant, endpointIdOf(sink), false);
      return endpoint !== null && !endpoint.disabled;
    },

    async disable(stream, sink, reason): Promise<void> {
      await disableEndpoint(env, stream.tenant, endpointIdOf(sink), `answered 410 Gone (${reason})`);
    },

    async record(stream, states): Promise<void> {
      await recordDeliveries(env, stream, states);
    },
  };
}
