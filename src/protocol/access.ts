// Who is calling, as proven by the Worker before it reaches a Durable Object.

export interface CustomerAccess {
  kind: "customer";
  tenant: string;
  userId: string;
  deviceId: string;
  sessionId: string;
  guest: boolean;
  name?: string;
}

/** A signed-in human agent (agent session); absent for API keys. */
export interface AgentAccess {
  id: string;
  name: string;
  /** `supervisor` adds the admin-only business routes (its BusinessAccess role is "admin"). */
  role: "agent" | "supervisor";
  sessionId: string;
}

export interface BusinessAccess {
  kind: "business";
  tenant: string;
  role: "bot" | "agent" | "admin";
  /** The API key's id, or `agent:<sessionId>` for an agent session. */
  keyId: string;
  /** Present for agent sessions: the sender of everything they write is this agent. */
  agent?: AgentAccess;
}

export type Access = CustomerAccess | BusinessAccess;
