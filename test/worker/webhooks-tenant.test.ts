// Tenant-level webhooks (no conversation): enqueueTenantWebhook, the function
// broadcasts and erasure call, delivers through the tenant's own outbox to
// the endpoints subscribed to the type.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enqueueTenantWebhook } from "../../src/webhooks/tenant-outbox";
import { addEndpoint, deliveriesWhen, newTenant, plan, receivedAtLeast, verify } from "./webhook-helpers";

describe("tenant-level webhooks", () => {
  it("go to subscribers only, signed, with no conversation, and are retried", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const erasure = await addEndpoint(tenant, ["person.deleted", "broadcast.completed"]);
    const other = await addEndpoint(tenant, ["message.created"]);
    await plan(erasure.bin, [{ status: 503 }]);
    await enqueueTenantWebhook(env, tenant.id, "person.deleted", { userId: "alice" });
    await enqueueTenantWebhook(env, tenant.id, "broadcast.completed", { broadcast: { id: "bc_1" } });

    // Unordered: the 503 of one does not hold up the other.
    const first = await receivedAtLeast(erasure.bin, 2);
    const types = first.map((d) => d.json.type).sort();
    expect(types).toEqual(["broadcast.completed", "person.deleted"]);
    for (const d of first) {
      expect(verify(erasure.secret, d)).toMatchObject({ tenant: tenant.id });
      expect(d.json).not.toHaveProperty("conversationId");
      expect(d.json).not.toHaveProperty("seq");
    }
    const listed = await deliveriesWhen(tenant, erasure.endpoint.id, (l) => l.length === 2 && l.some((d) => d.status === "pending" && d.lastStatus === 503));
    expect(listed.every((d) => d.conversationId === null)).toBe(true);
    // The failed one comes again by itself after about 5 s, with the same id.
    const all = await receivedAtLeast(erasure.bin, 3);
    const retried = all[2]!;
    expect(all.slice(0, 2).map((d) => d.headers["webhook-id"])).toContain(retried.headers["webhook-id"]);
    await deliveriesWhen(tenant, erasure.endpoint.id, (l) => l.length === 2 && l.every((d) => d.status === "succeeded"));

    await new Promise((r) => setTimeout(r, 100));
    expect(await receivedAtLeast(other.bin, 0)).toHaveLength(0);
  });
});
