// The Customer Durable Object (one per tenant + person): their devices and
// sessions and their conversation list. Hot per-person writes stay here,
// never in a tenant-wide store.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { newId } from "../ids";
import type { ConversationInfo } from "../protocol/event";
import type { ThreadSummary } from "../protocol/thread";
import { Devices, type DeviceSession } from "./devices";
import { migrate } from "./schema";
import { ThreadList } from "./threads";

export class Customer extends DurableObject<Env> {
  private readonly devices: Devices;
  private readonly threads: ThreadList;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.devices = new Devices(ctx.storage.sql);
    this.threads = new ThreadList(ctx.storage.sql);
  }

  async openSession(input: { deviceId?: string }): Promise<DeviceSession> {
    return this.devices.open(input.deviceId);
  }

  /** The person's open conversation, created when they have none. */
  async openConversation(input: {
    tenant: string;
    userId: string;
    ref?: string;
  }): Promise<{ conversation: ConversationInfo; created: boolean }> {
    const existing = this.threads.open();
    const id = existing ?? newId("cnv");
    const init: { tenant: string; id: string; userId: string; ref?: string } = {
      tenant: input.tenant,
      id,
      userId: input.userId,
    };
    if (input.ref) init.ref = input.ref;
    // Record the thread first: a crash after this line leaves an id whose
    // init() is retried on the next call, never a conversation nobody lists.
    this.threads.add(id);
    const conversation = await this.env.CONVERSATION.getByName(`${input.tenant}:${id}`).init(init);
    return { conversation, created: existing === null };
  }

  async listThreads(): Promise<ThreadSummary[]> {
    return this.threads.list();
  }

  /** Called by a Conversation DO after each change that the list shows. */
  async recordThread(summary: ThreadSummary): Promise<void> {
    this.threads.record(summary);
  }
}
