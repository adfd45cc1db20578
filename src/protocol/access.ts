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

export interface BusinessAccess {
  kind: "business";
  tenant: string;
  role: "bot" | "agent" | "admin";
  keyId: string;
}

export type Access = CustomerAccess | BusinessAccess;
