// Deleting a person's files, for the erasure job (API.md "Data ownership"):
// every file the person uploaded into any of their threads goes from R2 and
// from the threads' records. Idempotent: a second run finds nothing left.
import { conversationStub, customerStub } from "../directory/stubs";
import type { Env } from "../env";

/**
 * Deletes every attachment `userId` of `tenant` uploaded, in each thread of
 * their list (the Customer DO's), and returns how many were deleted. Messages
 * that sent them keep their `attachmentId`; the content answers 404 from then on.
 */
export async function deletePersonFiles(env: Pick<Env, "CUSTOMER" | "CONVERSATION">, tenant: string, userId: string): Promise<number> {
  const threads = await customerStub(env, tenant, userId).listThreads();
  let deleted = 0;
  for (const thread of threads) {
    deleted += await conversationStub(env, tenant, thread.id).eraseCustomerFiles();
  }
  return deleted;
}
