// The one place a finished broadcast is announced. The lead connects this to
// the webhook outbox (`broadcast.completed`, API.md "Webhooks") at merge.
import type { Env } from "../env";
import type { BroadcastView } from "./store";

/**
 * Called once a broadcast has reached `completed` (every recipient delivered,
 * skipped or failed; or no recipients at all). The status transition itself
 * happens exactly once (src/broadcast/store.ts `completeIfDone`); this hook
 * runs after it and is re-run if the consumer crashed before recording that
 * it ran, so it is at-least-once: deliver with the stable id
 * `broadcast.completed:<broadcast id>` so receivers de-duplicate.
 *
 * TODO(merge): enqueue a `broadcast.completed` webhook delivery with
 * `data: view` (branch `webhooks`). Until then it only logs.
 */
export async function onBroadcastCompleted(env: Env, tenant: string, view: BroadcastView): Promise<void> {
  void env;
  console.log(
    `broadcast.completed ${tenant}/${view.id}: total ${view.total}, delivered ${view.delivered}, skipped ${view.skipped}, failed ${view.failed}`,
  );
}

/** The webhook id a `broadcast.completed` delivery must carry, the same on every re-run. */
export function completionWebhookId(broadcastId: string): string {
  return `broadcast.completed:${broadcastId}`;
}
