// The ChannelInbox Durable Object (one per channel identity,
// `<tenant>:msgr_<psid>` or `<tenant>:wa_<wa_id>`): the platform webhook's
// verified items are stored here before the webhook answers 200, then
// processed by alarm in arrival order until done, so nothing is lost when
// processing fails after the 200, and nothing is stored twice.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { ServiceError } from "../protocol/errors";
import type { InboundItem } from "./inbound";
import { InboxStore, type FailedItem, type IdentityLink } from "./inbox-store";
import { processInbound } from "./process-inbound";

export class ChannelInbox extends DurableObject<Env> {
  private readonly store: InboxStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new InboxStore(ctx.storage.sql);
  }

  /** Stores the identity's new items (duplicates by key are dropped) and schedules their processing. */
  async accept(tenant: string, items: InboundItem[]): Promise<{ added: number }> {
    if (this.store.get("tenant") === null) this.store.set("tenant", tenant);
    const added = this.store.add(items);
    if (added > 0) await this.ctx.storage.setAlarm(Date.now());
    return { added };
  }

  /** The thread this identity writes to and the web person it is linked to (for the business and the demo). */
  async state(): Promise<{ conversationId: string | null; link: IdentityLink | null; items: { pending: number; done: number; failed: number } }> {
    return { conversationId: this.store.get("conversationId"), link: this.store.link(), items: this.store.counts() };
  }

  /** The items given up on, oldest first (at most 100). */
  async failedItems(): Promise<FailedItem[]> {
    return this.store.failedItems();
  }

  /** Processes failed item `id` again, as soon as the items before it are done; false when there is no such failed item. */
  async retry(id: number): Promise<boolean> {
    if (!this.store.retry(id)) return false;
    await this.ctx.storage.setAlarm(Date.now());
    return true;
  }

  override async alarm(): Promise<void> {
    const tenant = this.store.get("tenant");
    if (!tenant) return;
    for (;;) {
      const head = this.store.head();
      if (!head) return;
      if (head.nextAttemptAt > Date.now()) {
        await this.ctx.storage.setAlarm(head.nextAttemptAt);
        return;
      }
      try {
        await processInbound({ env: this.env, tenant, store: this.store }, head.item);
        this.store.done(head.id);
      } catch (err) {
        // A refusal that another attempt cannot change must not hold the identity's later messages for hours.
        const permanent = err instanceof ServiceError && err.code !== "rate_limited" && err.code !== "internal";
        const again = this.store.failed(head.id, err instanceof Error ? err.message : String(err), permanent);
        // Names the contact, so the business finds it (GET /v1/channels/:kind/contacts/:platformId/failed-items).
        console.error(`channel item ${head.item.key} of ${tenant}/${head.item.channel}/${head.item.from} failed${again ? "; retrying" : "; giving up"}`, err);
        // Later items wait for it, so a person's messages keep their order.
      }
    }
  }
}
