// The answer of POST /v1/sessions (API.md "Sessions").

export interface SessionAnswer {
  sessionToken: string;
  expiresAt: string;
  refreshToken: string;
  deviceId: string;
  user: { id: string; name: string | null; guest: boolean };
  /** Guests only: keep it to come back as the same guest. */
  guestToken?: string;
  /** Handoff only: the conversation the link was made for. */
  conversationId?: string;
  /** Identity + guest token: the guest's threads that moved to the person. */
  mergedConversations?: string[];
}
