// Who is calling, as proven by the Worker before it reaches a Durable Object.
// Stated once: the zod schema below is the shape, the types are inferred from
// it, and parsing with it is how an Access is copied (unknown keys dropped)
// into a socket's opening header and its hibernation attachment.
import * as z from "../zod";

export const CustomerAccess = z.object({
  kind: z.literal("customer"),
  tenant: z.string(),
  userId: z.string(),
  deviceId: z.string(),
  sessionId: z.string(),
  guest: z.boolean(),
  name: z.optional(z.string()),
});
export type CustomerAccess = z.infer<typeof CustomerAccess>;

/** A signed-in human agent (agent session); absent for API keys. */
export const AgentAccess = z.object({
  id: z.string(),
  name: z.string(),
  /** `supervisor` adds the admin-only business routes (its BusinessAccess role is "admin"). */
  role: z.enum(["agent", "supervisor"]),
  sessionId: z.string(),
});
export type AgentAccess = z.infer<typeof AgentAccess>;

export const BusinessAccess = z.object({
  kind: z.literal("business"),
  tenant: z.string(),
  role: z.enum(["bot", "agent", "admin"]),
  /** The API key's id, or `agent:<sessionId>` for an agent session. */
  keyId: z.string(),
  /** Present for agent sessions: the sender of everything they write is this agent. */
  agent: z.optional(AgentAccess),
});
export type BusinessAccess = z.infer<typeof BusinessAccess>;

export const Access = z.discriminatedUnion("kind", [CustomerAccess, BusinessAccess]);
export type Access = z.infer<typeof Access>;

/** A plain copy of `access` holding only the fields above (safe to serialize); throws if it is not an Access. */
export function accessCopy(access: Access): Access {
  return Access.parse(access);
}
