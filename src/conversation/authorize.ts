// Who may reach this conversation. Another person's thread, another tenant's,
// and one that does not exist all look the same: 404.
import { isGuestId } from "../ids";
import type { Access, CustomerAccess } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import type { ConversationMeta, MetaStore } from "./meta";
import type { RevokedSessions } from "./revoked-sessions";

/**
 * The meta for `access`: a business caller of the tenant, or the customer
 * whose thread it is.
 * @throws ServiceError not_found for anyone else, or before the conversation exists
 */
export function authorizedMeta(meta: ConversationMeta | null, access: Access): ConversationMeta {
  // Another person's thread, or one that does not exist: the same 404.
  if (!meta || meta.tenant !== access.tenant || (access.kind === "customer" && meta.userId !== access.userId)) {
    throw new ServiceError("not_found", "conversation not found");
  }
  return meta;
}

/** Authorizes a caller of one Conversation DO: the meta it may reach, or a ServiceError. */
export type Authorize = (access: Access) => ConversationMeta;

/**
 * The Conversation DO's one authorization: a signed-out session first
 * (401 token_revoked, even where its person no longer owns the thread: a
 * merged guest), then `authorizedMeta`.
 * @throws ServiceError token_revoked, not_found
 */
export function authorizeWith(meta: MetaStore, revoked: RevokedSessions): Authorize {
  return (access) => {
    revoked.assertActive(access);
    return authorizedMeta(meta.get(), access);
  };
}

/**
 * The meta for a business caller.
 * @throws ServiceError not_found as authorizedMeta; forbidden for customers (the Worker refuses them first)
 */
export function businessMeta(meta: ConversationMeta | null, access: Access): ConversationMeta {
  const authorized = authorizedMeta(meta, access);
  if (access.kind !== "business") throw new ServiceError("forbidden", "this is for business callers");
  return authorized;
}

/**
 * The meta when the conversation is `tenant`'s (internal callers that name
 * the tenant, not a caller's access).
 * @throws ServiceError not_found otherwise
 */
export function tenantMeta(meta: ConversationMeta | null, tenant: string): ConversationMeta {
  if (!meta || meta.tenant !== tenant) throw new ServiceError("not_found", "conversation not found");
  return meta;
}

/** The customer access of a messenger identity writing in its person's thread. */
export function channelAccess(input: { tenant: string; userId: string; deviceId: string; name?: string }): CustomerAccess {
  const access: CustomerAccess = {
    kind: "customer",
    tenant: input.tenant,
    userId: input.userId,
    deviceId: input.deviceId,
    sessionId: "channel",
    guest: isGuestId(input.userId),
  };
  if (input.name) access.name = input.name;
  return access;
}
