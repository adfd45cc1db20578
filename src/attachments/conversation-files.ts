// What the Conversation DO does with attachments: reserve and complete
// uploads, answer who may read one, check that a media message sends an
// attachment of this very conversation, and delete what was never sent
// (by the DO's alarm) or what a person uploaded (erasure). The DO class only
// authorizes and delegates here.
import { mediaTypeFits, type Attachment } from "../protocol/attachment";
import type { Content } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { objectKey } from "./ids";
import { AttachmentRecords, UNSENT_TTL_MS } from "./records";

export class ConversationFiles {
  private readonly records: AttachmentRecords;

  /**
   * @param wake asks the DO to call `sweep` from its alarm at or before `at`
   *   (ms since the epoch); the DO's one alarm also serves other jobs.
   */
  constructor(
    sql: SqlStorage,
    private readonly wake: (at: number) => void,
    private readonly bucket: R2Bucket,
  ) {
    this.records = new AttachmentRecords(sql);
  }

  /** Reserves `id` before its bytes are stored, and makes sure the sweep will look at it. */
  async reserve(id: string, uploader: { role: string; id: string }, now = Date.now()): Promise<void> {
    this.records.reserve(id, uploader, now);
    this.wake(now + UNSENT_TTL_MS);
  }

  complete(record: Attachment): void {
    if (!this.records.complete(record)) throw new ServiceError("not_found", "the upload expired before it finished");
  }

  discard(id: string): void {
    this.records.remove([id]);
  }

  /** A stored attachment of this conversation, or null (unknown, or still uploading). */
  read(id: string): Attachment | null {
    const row = this.records.get(id);
    return row?.status === "ready" ? row.record : null;
  }

  /**
   * The attachment a media message sends, checked: it must be a finished
   * upload of this conversation and fit the declared mediaType (400
   * otherwise). Null for content without an attachmentId.
   */
  forMessage(content: Content): Attachment | null {
    if (content.type !== "media" || content.attachmentId === undefined) return null;
    const attachment = this.read(content.attachmentId);
    if (!attachment) {
      throw new ServiceError("invalid_request", "no such attachment in this conversation", {
        errors: [{ path: "content.attachmentId", message: "not an uploaded attachment of this conversation" }],
      });
    }
    if (!mediaTypeFits(content.mediaType, attachment)) {
      throw new ServiceError("invalid_request", `the attachment is ${attachment.mediaType}, not ${content.mediaType}`, {
        errors: [{ path: "content.mediaType", message: `must be ${attachment.mediaType} for this attachment` }],
      });
    }
    return attachment;
  }

  markSent(id: string, seq: number): void {
    this.records.markSent(id, seq);
  }

  /**
   * Deletes attachments never sent whose upload started UNSENT_TTL_MS or more
   * ago (rows and R2 objects), then schedules the next sweep. Called by the
   * DO's alarm; R2 first, so a crash in between leaves a row to retry.
   */
  async sweep(tenant: string, conversationId: string, now = Date.now()): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = this.records.unsentBefore(now - UNSENT_TTL_MS);
      if (ids.length === 0) break;
      await this.bucket.delete(ids.map((id) => objectKey(tenant, conversationId, id)));
      this.records.remove(ids);
      removed += ids.length;
    }
    const oldest = this.records.oldestUnsent();
    if (oldest !== null) this.wake(oldest + UNSENT_TTL_MS);
    return removed;
  }

  /** Deletes every file a customer uploaded into this thread (rows and R2 objects); returns how many. */
  async eraseCustomerFiles(tenant: string, conversationId: string): Promise<number> {
    const ids = this.records.uploadedByCustomers();
    for (let i = 0; i < ids.length; i += 1000) {
      const batch = ids.slice(i, i + 1000);
      await this.bucket.delete(batch.map((id) => objectKey(tenant, conversationId, id)));
      this.records.remove(batch);
    }
    return ids.length;
  }

}
