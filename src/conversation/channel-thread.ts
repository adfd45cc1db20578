// The messenger-channel calls on a thread that name their tenant (the channel
// inbox and the channel routes): its binding to a messenger identity, who it
// belongs to, its channel deliveries and their retry. Another tenant's call,
// or one before the conversation exists, is a 404.
import type { ChannelBinding, ChannelBindings } from "../channels/binding";
import type { ChannelDeliveryPage, ChannelDeliveryQuery, ChannelSends } from "../channels/channel-sends";
import type { ChannelKind } from "../channels/settings";
import type { Outbox } from "../outbox/outbox";
import { tenantMeta } from "./authorize";
import type { EventStore } from "./event-store";
import type { MetaStore } from "./meta";

/** What the channel calls read and write in one Conversation DO. */
export interface ChannelThreadDeps {
  meta: MetaStore;
  store: EventStore;
  bindings: ChannelBindings;
  sends: ChannelSends;
  outbox: Outbox;
}

/** The tenant-checked channel calls of one thread; each throws ServiceError not_found for another tenant. */
export class ChannelThread {
  constructor(private readonly deps: ChannelThreadDeps) {}

  /** Binds the thread to `recipient` on `channel` (after a signed channel link), or rebinds it; `at` is platform time (ms). */
  bind(input: { tenant: string; channel: ChannelKind; recipient: string; at: number }): ChannelBinding {
    tenantMeta(this.deps.meta.get(), input.tenant);
    return this.deps.bindings.bind(input.channel, input.recipient, this.deps.store.lastSeq(), input.at);
  }

  /** Unbinds the thread from `recipient` on `channel`, if it is bound to them; returns whether it was. */
  unbind(input: { tenant: string; channel: ChannelKind; recipient: string }): boolean {
    tenantMeta(this.deps.meta.get(), input.tenant);
    return this.deps.bindings.unbind(input.channel, input.recipient);
  }

  /** Who the thread belongs to, where it is bound, and its last seq. */
  view(tenant: string): { userId: string; binding: ChannelBinding | null; lastSeq: number } {
    const meta = tenantMeta(this.deps.meta.get(), tenant);
    return { userId: meta.userId, binding: this.deps.bindings.get(), lastSeq: this.deps.store.lastSeq() };
  }

  /** A page of the thread's channel deliveries, oldest first (ChannelDeliveryPage). */
  deliveries(tenant: string, query: ChannelDeliveryQuery): ChannelDeliveryPage {
    tenantMeta(this.deps.meta.get(), tenant);
    return this.deps.sends.page(this.deps.outbox, query);
  }

  /** An operator's retry of the channel delivery of `seq` (ServiceError not_found when none is pending or failed). */
  retry(tenant: string, seq: number): { retried: true } {
    tenantMeta(this.deps.meta.get(), tenant);
    this.deps.sends.retry(this.deps.outbox, seq);
    return { retried: true as const };
  }
}
