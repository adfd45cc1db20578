// What the outbox needs from a kind of external sink (a webhook endpoint, a
// messenger platform): which sinks take an entry, the body each gets, how to
// send one delivery and what the answer means. Order, retries, status,
// retry-one and recover are the outbox's (src/outbox/outbox.ts), the same for
// every kind.
import type { Owner } from "../protocol/event";

/** Whose outbox this is: a conversation's, or a tenant's (conversationId null). */
export interface StreamInfo {
  tenant: string;
  conversationId: string | null;
}

/**
 * Something that happened and may go out: written to the outbox in the same
 * synchronous SQLite transaction as the change it reports.
 */
export interface OutboxEntry {
  /** The event type (`message.created`, `read`, `ping`, …). */
  type: string;
  /** The event's seq in the conversation log; absent for things outside the log. */
  seq?: number;
  /** When it happened (ISO 8601). */
  at: string;
  /** Who owned the thread then (for the `standby` flag). */
  owner?: Owner;
  /** The payload, as JSON. */
  data: unknown;
  /** Only this sink (a `ping` to one endpoint); otherwise every sink that wants `type`. */
  only?: string;
}

/** One delivery as the sink sends it. `attempt` counts from 1. */
export interface OutgoingDelivery {
  id: string;
  sink: string;
  body: string;
  attempt: number;
}

/** The outcome of one attempt; a sink's `send` never throws for the receiver's failure. */
export type AttemptOutcome =
  | { ok: true; status: number; response: string | null }
  | {
      ok: false;
      /** The answer's HTTP status, or null when there was none (timeout, network). */
      status: number | null;
      error: string;
      response: string | null;
      /** The receiver's Retry-After, in ms: replaces the next delay of the schedule. */
      retryAfterMs?: number;
      /** The sink is gone for good (HTTP 410): fail what waits for it and disable it. */
      gone?: boolean;
      /** This delivery can never succeed (refused for good): fail it now; the sink and what waits for it go on. */
      permanent?: boolean;
    };

/** A delivery's state, as listings show it (API.md "Webhooks" → deliveries). */
export interface DeliveryState {
  id: string;
  sink: string;
  type: string;
  seq: number | null;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastResponse: string | null;
  /** ms since the epoch, or null when nothing is planned. */
  nextAttemptAt: number | null;
  createdAt: number;
  /** +1 on every change; index writers keep the highest. */
  version: number;
}

/**
 * A kind of sink. Sink ids are `<kind>:<id>` (`webhook:whe_…`); the outbox
 * finds a sink's kind by that prefix.
 */
export interface SinkKind {
  readonly kind: string;
  /** The sink ids of this kind that take `entry` (may read D1; runs in the alarm, never on the append path). */
  sinksFor(stream: StreamInfo, entry: OutboxEntry): Promise<string[]>;
  /** The body `sink` gets for `entry`, built once: every retry sends the same bytes. */
  body(stream: StreamInfo, sink: string, entry: OutboxEntry, delivery: { id: string; prevSeq: number | null }): Promise<string>;
  /** Sends one delivery; `signal` aborts it at the outbox's timeout. */
  send(stream: StreamInfo, delivery: OutgoingDelivery, signal: AbortSignal): Promise<AttemptOutcome>;
  /** Whether the sink still takes deliveries (not disabled, not deleted). */
  active(stream: StreamInfo, sink: string): Promise<boolean>;
  /** The sink answered 410 Gone: stop sending to it everywhere (shared state, e.g. D1). */
  disable(stream: StreamInfo, sink: string, reason: string): Promise<void>;
  /** Delivery states changed (for listings); a throw leaves them to be recorded on the next drain. */
  record?(stream: StreamInfo, states: DeliveryState[]): Promise<void>;
}

/** The kind of `sink` among `kinds`, by its `<kind>:` prefix; undefined for a kind this outbox does not have. */
export function sinkKindOf(kinds: readonly SinkKind[], sink: string): SinkKind | undefined {
  const prefix = sink.slice(0, sink.indexOf(":"));
  return kinds.find((k) => k.kind === prefix);
}
