// The business state of a conversation (API.md "Conversation state for the
// business"): status with snoozes, assignee, labels, owner and its epoch.
// Every change is one conversation.updated event whose `changes` name each
// field that changed, `[old, new]`. Customers read the log through
// `eventForCustomer`, which leaves out what only the business may see.
import type { ChannelKind } from "../channels/settings";
import { channelOfPerson, isGuestLike } from "../ids";
import type { Access } from "../protocol/access";
import type {
  BusinessConversationInfo,
  ConversationInfo,
  ConversationStatus,
  Event,
  EventDraft,
  HandoverMetadata,
  Owner,
  Sender,
  StateChanges,
} from "../protocol/event";
import type { ConversationMeta, MetaPatch } from "./meta";

export interface ConversationState {
  status: ConversationStatus;
  snoozedUntil: string | null;
  assignee: string | null;
  labels: string[];
  owner: Owner;
  ownerAgent: string | null;
  ownerEpoch: number;
}

/** A requested change of PATCH /v1/conversations/:id, validated at the edge. */
export interface StatePatch {
  status?: ConversationStatus;
  snoozedUntil?: string | null;
  assignee?: string | null;
  labels?: string[];
}

/** The state in `meta`, with the defaults of a conversation made before the state existed. */
export function stateOf(meta: ConversationMeta): ConversationState {
  return {
    // Conversations of the first release could be "closed"; that is "resolved" now.
    status: (meta.status as string) === "closed" ? "resolved" : meta.status,
    snoozedUntil: meta.snoozedUntil ?? null,
    assignee: meta.assignee ?? null,
    labels: meta.labels ?? [],
    owner: meta.owner,
    ownerAgent: meta.owner === "agent" ? (meta.ownerAgent ?? null) : null,
    ownerEpoch: meta.ownerEpoch ?? 0,
  };
}

const FIELDS = ["status", "snoozedUntil", "assignee", "labels", "owner", "ownerAgent", "ownerEpoch"] as const;

/** The fields of `next` that differ from `before`, as `[old, new]` pairs. */
export function changesBetween(before: ConversationState, next: ConversationState): StateChanges {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const field of FIELDS) {
    if (JSON.stringify(before[field]) !== JSON.stringify(next[field])) changes[field] = [before[field], next[field]];
  }
  return changes as StateChanges;
}

/** The state after `patch`; a status other than snoozed ends any snooze. */
export function patched(state: ConversationState, patch: StatePatch): ConversationState {
  const next = { ...state };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.assignee !== undefined) next.assignee = patch.assignee;
  if (patch.labels !== undefined) next.labels = [...new Set(patch.labels)];
  if (patch.snoozedUntil !== undefined) next.snoozedUntil = patch.snoozedUntil;
  if (next.status !== "snoozed") next.snoozedUntil = null;
  return next;
}

/** The meta fields that store `state`. */
export function metaOfState(state: ConversationState): MetaPatch {
  return {
    status: state.status,
    snoozedUntil: state.snoozedUntil,
    assignee: state.assignee,
    labels: state.labels,
    owner: state.owner,
    ownerAgent: state.ownerAgent,
    ownerEpoch: state.ownerEpoch,
  };
}

/** The conversation.updated draft for `changes`, stating the thread's status and owner after them. */
export function stateEvent(
  state: ConversationState,
  changes: StateChanges,
  sender: Sender,
  extra: { reason?: string; previousOwner?: { owner: Owner; agentId?: string }; metadata?: HandoverMetadata } = {},
): EventDraft {
  const draft: EventDraft = { type: "conversation.updated", sender, status: state.status, owner: state.owner, changes };
  if (extra.reason) draft.reason = extra.reason;
  if (extra.previousOwner) {
    draft.previousOwner = extra.previousOwner;
    draft.ownerEpoch = state.ownerEpoch;
  }
  if (extra.metadata) draft.metadata = extra.metadata;
  return draft;
}

/** Who a business caller is as the sender of a state change: the agent itself, or the API key. */
export function actorOf(access: Access): Sender {
  if (access.kind === "customer") return { role: "customer", id: access.userId, deviceId: access.deviceId };
  if (access.agent) return { role: "agent", id: access.agent.id, name: access.agent.name };
  return { role: access.role === "bot" ? "bot" : "system", id: access.keyId };
}

/** Changes a customer may read: status, snooze, owner kind and epoch; never assignee, labels or which agent owns it. */
const CUSTOMER_CHANGES = new Set(["status", "snoozedUntil", "owner", "ownerEpoch"]);

/**
 * A business sender as customers read it on a state change: the role alone
 * (`id` is the role), with an agent's display name. Agent ids (the business's
 * staff ids) and API key ids are internal.
 */
function senderForCustomer(sender: Sender): Sender {
  if (sender.role === "customer" || sender.id === sender.role) return sender;
  return sender.role === "agent" && sender.name ? { role: "agent", id: "agent", name: sender.name } : { role: sender.role, id: sender.role };
}

/**
 * An event as customer credentials read it (HTTP, live frames, their thread
 * list). conversation.updated loses `metadata`, the `changes` of assignee,
 * labels and ownerAgent, `previousOwner.agentId`, and its business sender's
 * id (senderForCustomer); it keeps `status` and `owner: "agent"|"bot"`. A
 * change customers may not see at all (assignee or labels only) stays in
 * their gap-free log as an empty notice: no `changes`, just the current
 * status and owner. Every other event is returned as it is.
 */
export function eventForCustomer(event: Event): Event {
  if (event.type !== "conversation.updated") return event;
  const hidden =
    event.metadata !== undefined ||
    event.previousOwner?.agentId !== undefined ||
    senderForCustomer(event.sender) !== event.sender ||
    Object.keys(event.changes ?? {}).some((field) => !CUSTOMER_CHANGES.has(field));
  if (!hidden) return event;
  const { metadata: _metadata, changes, previousOwner, sender, ...rest } = event;
  const view: Event = { ...rest, sender: senderForCustomer(sender) };
  if (previousOwner) view.previousOwner = { owner: previousOwner.owner };
  const visible = Object.entries(changes ?? {}).filter(([field]) => CUSTOMER_CHANGES.has(field));
  if (visible.length > 0) view.changes = Object.fromEntries(visible) as StateChanges;
  return view;
}

/** Whether customer credentials would read `event` differently from business callers. */
export function hasBusinessOnlyParts(event: Event): boolean {
  return event.type === "conversation.updated" && eventForCustomer(event) !== event;
}

/** `event` as `access` may read it. */
export function eventFor(access: Access, event: Event): Event {
  return access.kind === "customer" ? eventForCustomer(event) : event;
}

/** The conversation as customers read it; `lastSeq` is the log's. */
export function conversationInfo(meta: ConversationMeta, lastSeq: number): ConversationInfo {
  const info: ConversationInfo = {
    id: meta.id,
    status: stateOf(meta).status,
    owner: meta.owner,
    lastSeq,
    createdAt: meta.createdAt,
  };
  if (meta.ref) info.ref = meta.ref;
  return info;
}

/** The conversation as business callers read it; `bound`: the messenger app the thread is bound to (customerSummaryOf). */
export function businessInfo(meta: ConversationMeta, customerInfo: ConversationInfo, bound: ChannelKind | null = null): BusinessConversationInfo {
  const state = stateOf(meta);
  return {
    ...customerInfo,
    status: state.status,
    snoozedUntil: state.snoozedUntil,
    assignee: state.assignee,
    labels: state.labels,
    ownerAgent: state.ownerAgent,
    ownerEpoch: state.ownerEpoch,
    customer: customerSummaryOf(meta, bound),
    waitingSince: meta.waitingSince ?? null,
    updatedAt: meta.updatedAt ?? meta.createdAt,
  };
}

/**
 * The thread's customer as business callers see them. Guests are people too,
 * with ids starting gst_ (src/http/sessions.ts). `channels`: where the person
 * reaches the thread — their messenger app for a messenger user (msgr_, wa_),
 * else the web — and the messenger app the thread is bound to (`bound`, a
 * channel link), if another.
 */
export function customerSummaryOf(meta: ConversationMeta, bound: ChannelKind | null = null): BusinessConversationInfo["customer"] {
  // A messenger user reaches the thread through the app only while it is bound to them (they may have moved on by a channel link).
  const own = channelOfPerson(meta.userId);
  const channels: string[] = own === null ? ["web"] : own === bound ? [own] : [];
  if (bound && !channels.includes(bound)) channels.push(bound);
  return { id: meta.userId, name: meta.customerName ?? null, guest: isGuestLike(meta.userId), channels };
}
