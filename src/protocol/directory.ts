// The conversation directory's wire shapes (API.md "Directory and search").
import type { ConversationStatus, CustomerSummary, Owner, Sender } from "./event";

/** The last event of a conversation as the directory shows it. */
export interface LastEventPreview {
  seq: number;
  type: string;
  at: string;
  sender: Sender;
  /** The message's text (or caption, title…), at most 140 characters; "" for non-message events. */
  preview: string;
}

/** One conversation in the directory. `version` never goes backwards; a client keeps the highest it saw. */
export interface DirectoryRow {
  id: string;
  status: ConversationStatus;
  owner: Owner;
  ownerAgent: string | null;
  assignee: string | null;
  labels: string[];
  customer: CustomerSummary;
  lastEvent: LastEventPreview | null;
  lastSeq: number;
  waitingSince: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** With `q`: the newest matching message (seq 0 when the customer's name or id matched). */
  match?: { seq: number; snippet: string };
}

/** The answer of GET /v1/conversations. */
export interface DirectoryPage {
  conversations: DirectoryRow[];
  cursor: string | null;
  counts?: { open: number; pending: number; snoozed: number; resolved: number; mine: number; unassigned: number };
}
