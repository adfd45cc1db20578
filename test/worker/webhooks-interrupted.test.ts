// A drain cut off mid-batch (the Durable Object reset while one delivery is
// in flight): on the next run only what was in flight is sent again, with
// the same webhook-id; what already succeeded is not.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addEndpoint, customer, deliveriesWhen, heldEndpoint, newTenant, received, receivedAtLeast, release, say, verify } from "./webhook-helpers";

describe("an interrupted drain", () => {
  it("re-sends only the delivery that was in flight", { timeout: 60_000 }, async () => {
    const tenant = await newTenant();
    const fast = await addEndpoint(tenant, ["message.created"]);
    const slow = await heldEndpoint(tenant);
    const c = await customer(tenant);
    await say(c.token, c.conversationId, "m1");

    await receivedAtLeast(fast.bin, 1);
    await receivedAtLeast(slow.bin, 1);
    await deliveriesWhen(tenant, fast.endpoint.id, (l) => l[0]?.status === "succeeded");
    // The alarm is still waiting for the slow endpoint: kill every object now.
    await abortAllDurableObjects();
    await release(slow.bin);

    // The runtime runs the failed alarm again; the drain finds the slow delivery in flight.
    const slowLog = await receivedAtLeast(slow.bin, 2);
    expect(slowLog[1]!.headers["webhook-id"]).toBe(slowLog[0]!.headers["webhook-id"]);
    for (const d of slowLog) verify(slow.secret, d);
    await deliveriesWhen(tenant, slow.endpoint.id, (l) => l[0]?.status === "succeeded" && l[0].attempts === 2);

    await say(c.token, c.conversationId, "m2");
    const fastLog = await receivedAtLeast(fast.bin, 2);
    expect(fastLog.map((d) => d.json.data.content?.text)).toEqual(["m1", "m2"]);
    const slowAfter = await receivedAtLeast(slow.bin, 3);
    expect(slowAfter.map((d) => d.json.data.content?.text)).toEqual(["m1", "m1", "m2"]);
    expect(await received(fast.bin)).toHaveLength(2);
  });
});
