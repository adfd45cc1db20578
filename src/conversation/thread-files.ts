// The attachment calls on a thread (src/http/attachments.ts, inbound channel
// media): whoever may write in the thread may upload into it, whoever may
// read it may read its files; anyone else gets the thread's 404.
import type { ConversationFiles } from "../attachments/conversation-files";
import type { Access } from "../protocol/access";
import type { Attachment } from "../protocol/attachment";
import { ServiceError } from "../protocol/errors";
import type { Authorize } from "./authorize";
import type { MetaStore } from "./meta";

/** The attachment calls of one thread; each throws ServiceError not_found for a caller who may not reach it. */
export class ThreadFiles {
  constructor(
    private readonly meta: MetaStore,
    private readonly files: ConversationFiles,
    private readonly authorize: Authorize,
  ) {}

  /** Reserves `id` for an upload by `access`; answers the thread's id. */
  async reserve(access: Access, id: string): Promise<{ conversationId: string }> {
    const meta = this.authorize(access);
    const uploader = access.kind === "customer" ? { role: "customer", id: access.userId } : { role: access.role, id: access.keyId };
    await this.files.reserve(id, uploader);
    return { conversationId: meta.id };
  }

  /** Records a finished upload (reserved by `reserve`). */
  complete(access: Access, record: Attachment): Attachment {
    this.authorize(access);
    this.files.complete(record);
    return record;
  }

  /** An attachment of this thread. @throws ServiceError not_found for an unknown id */
  read(access: Access, id: string): Attachment {
    this.authorize(access);
    const attachment = this.files.read(id);
    if (!attachment) throw new ServiceError("not_found", "attachment not found");
    return attachment;
  }

  /** Erasure: deletes every file the thread's customer uploaded; returns how many (0 before the thread exists). */
  async eraseCustomerFiles(): Promise<number> {
    const meta = this.meta.get();
    return meta ? this.files.eraseCustomerFiles(meta.tenant, meta.id) : 0;
  }
}
