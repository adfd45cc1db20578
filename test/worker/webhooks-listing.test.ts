// The deliveries listing: keyset pages newest first, filters by status and
// conversation; and what happens to waiting deliveries when their endpoint
// is deleted.
import { describe, expect, it } from "vitest";
import { api, json } from "./helpers";
import { addEndpoint, customer, deliveriesWhen, hurry, newTenant, plan, receivedAtLeast, say, type ListedDelivery } from "./webhook-helpers";

describe("deliveries listing", { timeout: 30_000 }, () => {
  it("pages newest first with an opaque cursor and filters by conversation and status", async () => {
    const tenant = await newTenant();
    const { endpoint, bin } = await addEndpoint(tenant, ["message.created"]);
    const threads = [await customer(tenant), await customer(tenant), await customer(tenant)];
    for (const [i, t] of threads.entries()) {
      await say(t.token, t.conversationId, `first ${i}`);
      await say(t.token, t.conversationId, `second ${i}`);
    }
    await receivedAtLeast(bin, 6);
    const all = await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 6 && l.every((d) => d.status === "succeeded"), "?limit=100");
    const created = all.map((d) => d.createdAt);
    expect(created).toEqual([...created].sort().reverse());

    const seen: ListedDelivery[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: tenant.adminKey });
      const page: { deliveries: ListedDelivery[]; cursor: string | null } = await json(res);
      seen.push(...page.deliveries);
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen.map((d) => d.id)).toEqual(all.map((d) => d.id));

    const one = await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 2, `?conversationId=${threads[1]!.conversationId}`);
    expect(one.map((d) => d.seq).sort()).toEqual([1, 2]);
    expect(one.every((d) => d.conversationId === threads[1]!.conversationId)).toBe(true);
    expect(await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 0, "?status=failed")).toEqual([]);
    expect(await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 6, "?status=succeeded")).toHaveLength(6);

    // Another tenant's admin cannot list them.
    const other = await newTenant();
    expect((await api(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: other.adminKey })).status).toBe(404);
  });

  it("fails what waits for an endpoint that is deleted", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const doomed = await addEndpoint(tenant, ["message.created"]);
    const kept = await addEndpoint(tenant, ["message.created"]);
    await plan(doomed.bin, [{ status: 500 }, { status: 500 }]);
    const c = await customer(tenant);
    await say(c.token, c.conversationId, "m1");
    await deliveriesWhen(tenant, doomed.endpoint.id, (l) => l[0]?.lastStatus === 500);
    expect((await api(`/v1/webhook-endpoints/${doomed.endpoint.id}`, { method: "DELETE", token: tenant.adminKey })).status).toBe(204);
    await hurry(tenant, c.conversationId);
    await say(c.token, c.conversationId, "m2");
    const keptLog = await receivedAtLeast(kept.bin, 2);
    expect(keptLog.map((d) => d.json.data.content?.text)).toEqual(["m1", "m2"]);
    // The deleted endpoint got only its first failing attempt, never m2.
    expect(await receivedAtLeast(doomed.bin, 1)).toHaveLength(1);
  });
});
