// The messages sent over the live socket and not acknowledged yet, by
// clientId: one waiter each, settled by the server's `ack`, rejected by its
// `error`, by a timeout, or all at once when the socket goes away.
import type { Event } from "../protocol/event";
import { CarryoverError } from "./errors";

/** What the server answered a send with: the seq the message got and, from current servers, its event. */
export interface Ack {
  seq: number;
  event?: Event;
}

interface Waiter {
  resolve: (ack: Ack) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Every outstanding socket send of one conversation handle. */
export class AckTracker {
  private readonly waiting = new Map<string, Waiter>();

  /** @param timeout how long a send waits for its ack before it counts as lost, ms */
  constructor(private readonly timeout: number) {}

  /**
   * Starts waiting for the ack of `clientId` (call it before the frame goes
   * out: the ack can come back at once). Resolves with the ack; rejects with
   * CarryoverError "network" when none came within the timeout, or with the
   * error passed to `reject`/`rejectAll`. A wait for the same clientId still
   * under way is rejected as superseded.
   */
  track(clientId: string): Promise<Ack> {
    this.reject(clientId, new CarryoverError("network", 0, "superseded"));
    return new Promise<Ack>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          if (this.waiting.get(clientId) === waiter) this.waiting.delete(clientId);
          reject(new CarryoverError("network", 0, "no acknowledgement in time"));
        }, this.timeout),
      };
      this.waiting.set(clientId, waiter);
    });
  }

  /**
   * The server acknowledged `clientId`: its waiter resolves. False when none
   * waited — a late ack, after the timeout or a disconnect gave the send up,
   * or for a send made before a reload. The caller still settles that
   * message: the ack means the log holds it, whoever waited.
   */
  settle(clientId: string, ack: Ack): boolean {
    const waiter = this.take(clientId);
    waiter?.resolve(ack);
    return waiter !== undefined;
  }

  /** Rejects the wait for `clientId` with `err`; false when none waited. */
  reject(clientId: string, err: unknown): boolean {
    const waiter = this.take(clientId);
    waiter?.reject(err);
    return waiter !== undefined;
  }

  /** Rejects every wait (the socket dropped, live updates moved elsewhere, the handle closed). */
  rejectAll(err: unknown): void {
    for (const clientId of [...this.waiting.keys()]) this.reject(clientId, err);
  }

  private take(clientId: string): Waiter | undefined {
    const waiter = this.waiting.get(clientId);
    if (!waiter) return undefined;
    this.waiting.delete(clientId);
    clearTimeout(waiter.timer);
    return waiter;
  }
}
