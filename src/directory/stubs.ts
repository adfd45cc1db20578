// Durable Object names, stated once. Every per-tenant object (a conversation,
// a customer, an agent, a channel inbox) is named `<tenant>:<id>`; the name is
// unambiguous only because tenant ids never contain ':' — TenantId in
// ./tenants.ts (checked by the admin API when a tenant is created) is the
// rule, objectName below re-checks it so no other path can break it.
import type { Env } from "../env";

/**
 * The name of `tenant`'s object `id`: `<tenant>:<id>`. Throws (a programming
 * error, never a client's) when `tenant` contains ':', which TenantId forbids.
 */
export function objectName(tenant: string, id: string): string {
  if (tenant.includes(":")) throw new Error(`tenant id ${JSON.stringify(tenant)} contains ':' (see TenantId)`);
  return `${tenant}:${id}`;
}

/** The Conversation DO of thread `conversationId` (`cnv_…`) in `tenant`. */
export function conversationStub(env: Pick<Env, "CONVERSATION">, tenant: string, conversationId: string) {
  return env.CONVERSATION.getByName(objectName(tenant, conversationId));
}

/** The Customer DO of user `userId` (a business user id, a guest id or a channel person) in `tenant`. */
export function customerStub(env: Pick<Env, "CUSTOMER">, tenant: string, userId: string) {
  return env.CUSTOMER.getByName(objectName(tenant, userId));
}

/** The Agent DO of human agent `agentId` in `tenant`. */
export function agentStub(env: Pick<Env, "AGENT">, tenant: string, agentId: string) {
  return env.AGENT.getByName(objectName(tenant, agentId));
}

/** The ChannelInbox DO of channel person `personId` in `tenant`. */
export function channelInboxStub(env: Pick<Env, "CHANNEL_INBOX">, tenant: string, personId: string) {
  return env.CHANNEL_INBOX.getByName(objectName(tenant, personId));
}
