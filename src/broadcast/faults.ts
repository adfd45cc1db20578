// TEST-ONLY fault injection for the broadcast consumer. It does nothing
// unless the Worker runs with BROADCAST_TEST_FAULTS=true, which only
// test/vitest.config.ts sets (never wrangler.toml, never a deploy), AND a
// test armed it in this isolate with armConsumerCrash().
import type { Env } from "../env";

/** Thrown by the injected crash; the queue handler lets it escape so the whole batch is redelivered. */
export class InjectedCrash extends Error {
  constructor() {
    super("TEST-ONLY injected broadcast consumer crash");
    this.name = "InjectedCrash";
  }
}

let crashAfter: number | null = null;

/** Arms one crash of the consumer after `deliveries` more recipients have been delivered. */
export function armConsumerCrash(deliveries: number): void {
  crashAfter = deliveries;
}

/** Whether the armed crash is still waiting to happen. */
export function crashPending(): boolean {
  return crashAfter !== null;
}

/** Counts `delivered` recipients against the armed crash and throws once when it is due. */
export function maybeCrash(env: Env, delivered: number): void {
  if (env.BROADCAST_TEST_FAULTS !== "true" || crashAfter === null) return;
  crashAfter -= delivered;
  if (crashAfter <= 0) {
    crashAfter = null;
    throw new InjectedCrash();
  }
}
