// Events of a conversation's log (API.md "Event") and the sender that wrote them.
import { z } from "zod";
import type { Content, PaymentStatus, Role } from "./content";
import { cleanName } from "./names";

export interface Sender {
  role: Role;
  id: string;
  name?: string;
  deviceId?: string;
}

export type ConversationStatus = "open" | "closed";
export type Owner = "bot" | "agent";

interface EventBase {
  seq: number;
  id: string;
  at: string;
  sender: Sender;
  clientId?: string;
}

export type Event =
  | (EventBase & { type: "message.created"; content: Content })
  | (EventBase & { type: "message.updated"; target: string; content: Content })
  | (EventBase & { type: "message.deleted"; target: string })
  | (EventBase & { type: "conversation.updated"; status: ConversationStatus; owner: Owner; reason?: string })
  | (EventBase & { type: "payment.updated"; target: string; status: PaymentStatus });

export type EventType = Event["type"];

/** The parts of an event its writer supplies; the store adds seq, id and at. */
export type EventDraft = Event extends infer E ? (E extends Event ? Omit<E, "seq" | "id" | "at"> : never) : never;

/** A display name as given (bounded), then cleaned (src/protocol/names.ts); nothing visible left → 400. */
export const DisplayName = z
  .string()
  .max(1024)
  .transform((raw, ctx) => {
    const name = cleanName(raw);
    if (name === undefined) {
      ctx.addIssue({ code: "custom", message: "must contain visible characters" });
      return z.NEVER;
    }
    return name;
  });

export const BusinessSender = z.strictObject({
  role: z.enum(["bot", "agent"]),
  id: z.string().min(1).max(128),
  name: DisplayName.optional(),
});

export const ClientId = z.string().min(1).max(64);

export interface ConversationInfo {
  id: string;
  status: ConversationStatus;
  owner: Owner;
  lastSeq: number;
  createdAt: string;
  ref?: string;
}
