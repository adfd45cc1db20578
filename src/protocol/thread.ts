// What a person's conversation list shows for one thread (GET /v1/me/conversations).
import type { ConversationStatus, Event } from "./event";

export interface ThreadSummary {
  id: string;
  status: ConversationStatus;
  lastSeq: number;
  readSeq: number;
  unread: number;
  lastEvent: Event | null;
  updatedAt: string;
}
