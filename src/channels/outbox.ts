// The ChannelOutbox Durable Object (one per conversation, `<tenant>:<id>`):
// reads the conversation's log from its cursor, queues every business
// message for the messenger identity the thread is bound to, and sends them
// with its alarm in seq order, retried on a schedule (outbox-store.ts).
//
// Interim by design: when the webhook outbox lands in the Conversation DO,
// its "channel" sink calls sendToPlatform (send.ts) with the same inputs and
// this class, its pull and its queue go; the delivery rows and the
// one-time refs move there (see docs/CHANNELS.md "Hook points").
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { BusinessAccess } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { toResult, unwrap, type Result } from "../protocol/result";
import type { ChannelBinding } from "./binding";
import { OutboxStore, type ChannelDelivery } from "./outbox-store";
import { sendToPlatform } from "./send";
import { findChannel, type ChannelConfig, type ChannelKind } from "./settings";

const PAGE = 100;

export class ChannelOutbox extends DurableObject<Env> {
  private readonly store: OutboxStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new OutboxStore(ctx.storage.sql);
  }

  /** A business message was committed in the conversation: look at the log soon. */
  async wake(tenant: string, conversationId: string): Promise<void> {
    this.remember(tenant, conversationId);
    await this.ctx.storage.setAlarm(Date.now());
  }

  async deliveries(): Promise<ChannelDelivery[]> {
    return this.store.list();
  }

  /** An operator's retry of one delivery: due now, in its seq place. */
  async retry(tenant: string, conversationId: string, seq: number): Promise<Result<{ retried: true }>> {
    this.remember(tenant, conversationId);
    const result = await toResult(() => {
      if (!this.store.retryNow(seq)) throw new ServiceError("not_found", `no pending or failed channel delivery for seq ${seq}`);
      return { retried: true as const };
    });
    if (result.ok) await this.ctx.storage.setAlarm(Date.now());
    return result;
  }

  /** Platform receipts: marks deliveries and returns the highest seq they cover (0 if none). */
  async receipt(input: { status: "delivered" | "read" | "failed"; mids: string[]; watermark?: number; error?: string }): Promise<number> {
    return this.store.receipt(input.status, input.mids, input.watermark, new Date(), input.error);
  }

  /** Redeems a one-time channel-link ref for this conversation (see link-ref.ts). */
  async claimRef(id: string, channel: ChannelKind, recipient: string): Promise<boolean> {
    return this.store.claimRef(id, channel, recipient);
  }

  override async alarm(): Promise<void> {
    const tenant = this.store.getState("tenant");
    const conversationId = this.store.getState("conversationId");
    if (!tenant || !conversationId) return;
    const conversation = this.env.CONVERSATION.getByName(`${tenant}:${conversationId}`);
    const binding = await this.pull(tenant, conversation);
    await this.drain(tenant, binding);
    const next = this.store.nextDue();
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  private remember(tenant: string, conversationId: string): void {
    if (this.store.getState("tenant") !== tenant) this.store.setState("tenant", tenant);
    if (this.store.getState("conversationId") !== conversationId) this.store.setState("conversationId", conversationId);
  }

  /** Queues the business messages after the cursor for the thread's binding; returns the binding. */
  private async pull(tenant: string, conversation: DurableObjectStub<import("../conversation/conversation").Conversation>): Promise<ChannelBinding | null> {
    const view = unwrap(await conversation.channelView(tenant));
    const binding = view.binding;
    let cursor = Number(this.store.getState("cursor") ?? "0");
    if (!binding) {
      this.store.setState("cursor", String(view.lastSeq));
      return null;
    }
    cursor = Math.max(cursor, binding.boundAtSeq);
    const access: BusinessAccess = { kind: "business", tenant, role: "bot", keyId: "channel-outbox" };
    for (;;) {
      const page = unwrap(await conversation.events(access, { after: cursor, limit: PAGE }));
      for (const event of page.events) {
        if (event.type === "message.created" && (event.sender.role === "bot" || event.sender.role === "agent")) {
          this.store.enqueue({
            seq: event.seq,
            eventId: event.id,
            channel: binding.channel,
            recipient: binding.recipient,
            senderRole: event.sender.role,
            content: event.content,
          });
        }
      }
      cursor = page.cursor;
      this.store.setState("cursor", String(cursor));
      if (!page.hasMore) return binding;
    }
  }

  /** Sends due deliveries in seq order until one has to wait or none is left. */
  private async drain(tenant: string, binding: ChannelBinding | null): Promise<void> {
    const configs = new Map<ChannelKind, ChannelConfig | null>();
    for (;;) {
      const head = this.store.head();
      if (!head || (head.nextAttemptAt ?? 0) > Date.now()) return;
      if (!configs.has(head.channel)) configs.set(head.channel, await findChannel(this.env, tenant, head.channel));
      const config = configs.get(head.channel) ?? null;
      if (!config) {
        this.store.attemptFailed(head.seq, { retryable: false, status: null, error: `the tenant has no ${head.channel} channel set up`, partsSent: head.partsSent, messageIds: [] });
        continue;
      }
      const current = binding && binding.channel === head.channel && binding.recipient === head.recipient;
      const result = await sendToPlatform(
        this.env,
        config,
        { id: head.recipient, lastInboundAt: current ? binding.lastInboundAt : null },
        head.content,
        { role: head.senderRole },
        head.partsSent,
      );
      const { outcome } = result;
      if (outcome.kind === "ok") {
        this.store.succeeded(head.seq, result.partsSent, result.messageIds, outcome.status);
        continue;
      }
      const pending = this.store.attemptFailed(head.seq, {
        retryable: outcome.kind === "retryable",
        status: outcome.status,
        error: outcome.error,
        partsSent: result.partsSent,
        messageIds: result.messageIds,
        ...(outcome.response !== undefined ? { response: outcome.response } : {}),
        ...(outcome.kind === "retryable" && outcome.retryAfterS !== undefined ? { retryAfterS: outcome.retryAfterS } : {}),
      });
      if (pending) return; // later messages wait for this one: the person sees them in order
    }
  }
}
