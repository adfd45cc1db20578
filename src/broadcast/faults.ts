// TEST-ONLY fault injection for the broadcast consumer. Only the dev entry
// (src/dev/worker.ts) wires it in, and only when the Worker runs with
// BROADCAST_TEST_FAULTS=true, which only test/vitest.config.ts sets (never
// wrangler.toml, never a deploy); it then does nothing until a test armed it
// in this isolate with armConsumerCrash().
import { handleBroadcastBatch } from "./fan-out";
import type { Env } from "../env";

/** Thrown by the injected crash; the queue handler lets it escape so the whole batch is redelivered. */
export class InjectedCrash extends Error {
  constructor() {
    super("TEST-ONLY injected broadcast consumer crash");
    this.name = "InjectedCrash";
  }
}

let crashAfter: number | null = null;
let crashesLeft = 0;

/**
 * Arms `times` crashes of the consumer: the first after `deliveries` more
 * recipients have been appended, each further one at the next append.
 */
export function armConsumerCrash(deliveries: number, times = 1): void {
  crashAfter = deliveries;
  crashesLeft = times;
}

/** Whether the armed crash is still waiting to happen. */
export function crashPending(): boolean {
  return crashAfter !== null;
}

/** Counts `delivered` recipients against the armed crash and throws once when it is due. */
function maybeCrash(delivered: number): void {
  if (crashAfter === null) return;
  crashAfter -= delivered;
  if (crashAfter <= 0) {
    crashesLeft--;
    crashAfter = crashesLeft > 0 ? 0 : null;
    throw new InjectedCrash();
  }
}

/**
 * The broadcast queue handler with the crash point after each group's
 * appends (handleBroadcastBatch's AfterAppends); an injected crash escapes
 * the handler once the batch's other messages are settled, as a real crash
 * would, so the queue redelivers the batch.
 */
export async function handleBroadcastBatchWithFaults(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  let crash: InjectedCrash | null = null;
  await handleBroadcastBatch(batch, env, (delivered) => {
    try {
      maybeCrash(delivered);
    } catch (err) {
      crash = err as InjectedCrash;
      throw err;
    }
  });
  if (crash) throw crash;
}
