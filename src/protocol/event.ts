// Events of a conversation's log (API.md "Event") and the sender that wrote them.
import * as z from "../zod";
import type { Attachment } from "./attachment";
import type { Content, PaymentStatus, Role } from "./content";
import { cleanName } from "./names";

export interface Sender {
  role: Role;
  id: string;
  name?: string;
  deviceId?: string;
}

/** API.md "Conversation state for the business". */
export type ConversationStatus = "open" | "pending" | "snoozed" | "resolved";
export type Owner = "bot" | "agent";

/**
 * What a conversation.updated event changed, field by field: `[old, new]`
 * (typed as arrays: Durable Object RPC types turn tuples into arrays).
 * Customers' views leave out `assignee` and `labels`.
 */
export interface StateChanges {
  status?: ConversationStatus[];
  snoozedUntil?: (string | null)[];
  assignee?: (string | null)[];
  labels?: string[][];
  owner?: Owner[];
  ownerAgent?: (string | null)[];
  ownerEpoch?: number[];
}

type Json0 = string | number | boolean | null;
type Json1 = Json0 | Json0[] | { [key: string]: Json0 };
type Json2 = Json1 | Json1[] | { [key: string]: Json1 };
/**
 * Handover metadata: JSON of at most 1 KiB (checked at the edge). Typed to a
 * nesting of three levels because Durable Object RPC types cannot follow a
 * recursive type; deeper JSON still travels unchanged.
 */
export type HandoverMetadata = { [key: string]: Json2 | Json2[] | { [key: string]: Json2 } };

/** Who owned a thread before a handover: the bot, or an agent by id. */
export interface OwnerRef {
  owner: Owner;
  agentId?: string;
}

interface EventBase {
  seq: number;
  id: string;
  at: string;
  sender: Sender;
  clientId?: string;
  /** The messenger app a customer's message came from (API.md "Messenger channels"); absent for web and SDK. */
  channel?: "messenger" | "whatsapp";
}

export type Event =
  | (EventBase & {
      type: "message.created";
      content: Content;
      /** The sent attachment's record (media by attachmentId). */
      attachment?: Attachment;
      /** Set on a broadcast's copy (API.md). */
      broadcastId?: string;
    })
  | (EventBase & { type: "message.updated"; target: string; content: Content })
  | (EventBase & { type: "message.deleted"; target: string })
  | (EventBase & {
      type: "conversation.updated";
      status: ConversationStatus;
      owner: Owner;
      reason?: string;
      changes?: StateChanges;
      /** Handover events: the owner before, the epoch after, and the caller's metadata (business views only). */
      previousOwner?: OwnerRef;
      ownerEpoch?: number;
      metadata?: HandoverMetadata;
    })
  | (EventBase & { type: "payment.updated"; target: string; status: PaymentStatus });

/** The parts of an event its writer supplies; the store adds seq, id and at. */
export type EventDraft = Event extends infer E ? (E extends Event ? Omit<E, "seq" | "id" | "at"> : never) : never;

/** A display name as given (bounded), then cleaned (src/protocol/names.ts); nothing visible left → 400. */
export const DisplayName = z.pipe(
  z.string().check(z.maxLength(1024)),
  z.transform((raw, ctx) => {
    const name = cleanName(raw);
    if (name === undefined) {
      // zod/mini's transforms have no ctx.addIssue: the issue it would add, pushed as is.
      ctx.issues.push({ code: "custom", message: "must contain visible characters", input: raw });
      return z.NEVER;
    }
    return name;
  }),
);

export const BusinessSender = z.strictObject({
  role: z.enum(["bot", "agent"]),
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  name: z.optional(DisplayName),
});

export const ClientId = z.string().check(z.minLength(1), z.maxLength(64));

export interface ConversationInfo {
  id: string;
  status: ConversationStatus;
  owner: Owner;
  lastSeq: number;
  createdAt: string;
  ref?: string;
}

/** The customer summary a business caller sees on a conversation and a directory row. */
export interface CustomerSummary {
  id: string;
  name: string | null;
  guest: boolean;
  channels: string[];
}

/** A conversation as business callers read it (API.md "Conversation state for the business"). */
export interface BusinessConversationInfo extends ConversationInfo {
  snoozedUntil: string | null;
  assignee: string | null;
  labels: string[];
  /** The owning agent's id while `owner` is "agent" (an extension of API.md). */
  ownerAgent: string | null;
  ownerEpoch: number;
  customer: CustomerSummary;
  /** Since when a customer message waits for a business answer, or null. */
  waitingSince: string | null;
  updatedAt: string;
}
