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
export function maybeCrash(env: Env, delivered: number): void {
  if (env.BROADCAST_TEST_FAULTS !== "true" || crashAfter === null) return;
  crashAfter -= delivered;
  if (crashAfter <= 0) {
    crashesLeft--;
    crashAfter = crashesLeft > 0 ? 0 : null;
    throw new InjectedCrash();
  }
}
