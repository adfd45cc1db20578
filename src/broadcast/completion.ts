// The one place a finished broadcast is announced: a `broadcast.completed`
// webhook (API.md "Webhooks") through the tenant's outbox.
import type { Env } from "../env";
import { enqueueTenantWebhook } from "../webhooks/tenant-outbox";
import { broadcastView, claimCompletion, completeIfDone, markCompletionNotified, releaseCompletion, type BroadcastView } from "./store";

/** Thrown while another consumer holds the completion lease: retry the message later. */
export class CompletionBusy extends Error {
  constructor(readonly broadcastId: string) {
    super(`completion of ${broadcastId} is being announced by another consumer`);
    this.name = "CompletionBusy";
  }
}

/**
 * Completes the broadcast when no recipient is pending or sending, and then
 * runs the completion hook once: the status transition is one conditional
 * UPDATE; the hook runs under a lease (claimCompletion), so of many
 * concurrent consumers exactly one runs it, and after a crash a later
 * attempt does.
 * @throws CompletionBusy while another consumer's lease is running and the hook is not done yet.
 */
export async function finishIfDone(env: Env, tenant: string, broadcastId: string): Promise<void> {
  await completeIfDone(env.DB, broadcastId);
  const claim = await claimCompletion(env.DB, broadcastId);
  if (claim === "done") return;
  if (claim === "busy") throw new CompletionBusy(broadcastId);
  try {
    await onBroadcastCompleted(env, tenant, await broadcastView(env.DB, tenant, broadcastId));
  } catch (err) {
    await releaseCompletion(env.DB, broadcastId);
    throw err;
  }
  await markCompletionNotified(env.DB, broadcastId);
}

/**
 * THE completion hook: called once a broadcast has reached `completed`
 * (every recipient delivered, skipped or failed; or no recipients at all),
 * with its final counters. Enqueues the `broadcast.completed` webhook
 * (`data: { broadcast: view }`) in the tenant's outbox, keyed by
 * completionWebhookId: a consumer that crashed between this call and
 * recording it (finishIfDone re-runs it after COMPLETION_LEASE_MS) enqueues
 * nothing the second time.
 */
export async function onBroadcastCompleted(env: Env, tenant: string, view: BroadcastView): Promise<void> {
  await enqueueTenantWebhook(env, tenant, "broadcast.completed", { broadcast: view }, { key: completionWebhookId(view.id) });
}

/** The key that makes a `broadcast.completed` webhook enqueue once, however often completion re-runs. */
export function completionWebhookId(broadcastId: string): string {
  return `broadcast.completed:${broadcastId}`;
}
