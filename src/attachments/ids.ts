// Attachment ids name their conversation: `att_<conversation part><random>`,
// so a request for an attachment goes straight to the Conversation DO that
// holds its record (which checks the caller may read that thread) without a
// tenant-wide lookup. A forged id naming another conversation finds nothing
// there: the DO only knows attachments uploaded into it.
import { newId } from "../ids";

const ID = /^att_([0-9A-Za-z]{22})([0-9A-Za-z]{22})$/;

/** A new attachment id for `conversationId` (`cnv_` + 22 base62 characters). */
export function newAttachmentId(conversationId: string): string {
  return `att_${conversationId.slice(4)}${newId("x").slice(2)}`;
}

/** The conversation an attachment id belongs to, or null for anything that is not one. */
export function conversationOfAttachment(id: string): string | null {
  const match = ID.exec(id);
  return match ? `cnv_${match[1]}` : null;
}

/** Where the bytes live in R2: per tenant and conversation, so either can be listed. */
export function objectKey(tenant: string, conversationId: string, id: string): string {
  return `${tenant}/${conversationId}/${id}`;
}
