// A conversation whose endpoint fails waits idle until the retry is due: the
// deliveries queued behind the failing one must not set the alarm in the past
// (found by the bench's webhook-isolation measurement, where such spinning
// alarms of failing conversations slowed another tenant's appends 3–5×).
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { deliveriesWhen, hookedThread, receivedAtLeast, say } from "./webhook-helpers";

/** The time the conversation's outbox asked its alarm for (the "outbox" named timer), or null. */
async function outboxTimer(tenantId: string, conversationId: string): Promise<number | null> {
  const stub = env.CONVERSATION.getByName(`${tenantId}:${conversationId}`);
  return runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ at: number }>("SELECT at FROM timers WHERE kind = 'outbox'").toArray()[0]?.at ?? null);
}

describe("a failing endpoint with deliveries queued behind the failing one", () => {
  it("arms the alarm for the head's retry, not for the queued deliveries' creation time", { timeout: 30_000 }, async () => {
    const { tenant, endpoint, bin, c } = await hookedThread([{ status: 500 }]);
    const first = await say(c.token, c.conversationId, "m1");
    await receivedAtLeast(bin, 1);
    await say(c.token, c.conversationId, "m2");
    await say(c.token, c.conversationId, "m3");

    const list = await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 3 && l.some((d) => d.seq === first.seq && d.attempts === 1));
    const head = list.find((d) => d.seq === first.seq)!;
    const retryAt = Date.parse(head.nextAttemptAt!);
    expect(retryAt).toBeGreaterThan(Date.now());
    // m2 and m3 wait behind m1 without an attempt of their own.
    expect(list.filter((d) => d.seq !== first.seq).map((d) => d.attempts)).toEqual([0, 0]);

    // The drain that recorded the failure sets the timer right after; give it a moment.
    const deadline = Date.now() + 3_000;
    let at = await outboxTimer(tenant.id, c.conversationId);
    while (at !== retryAt && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      at = await outboxTimer(tenant.id, c.conversationId);
    }
    expect(at).toBe(retryAt);
  });
});
