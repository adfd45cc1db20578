// `broadcast.completed`: a finished broadcast is announced to the tenant's
// webhook endpoints once, signed, with its final counters — also when the
// completion hook runs a second time (a consumer that crashed inside it).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { onBroadcastCompleted } from "../../src/broadcast/completion";
import type { BroadcastView } from "../../src/broadcast/store";
import { adminKeyOf, createBroadcast, newTopic, seedPeople, waitFor } from "./broadcast-helpers";
import { json } from "./helpers";
import { addEndpoint, received, receivedAtLeast, verify, type TestTenant } from "./webhook-helpers";

async function demoTenant(): Promise<TestTenant> {
  return { id: "demo", adminKey: await adminKeyOf(), botKey: "", secret: "" };
}

describe("broadcast.completed webhook", () => {
  it("is delivered once with the final counters", { timeout: 60_000 }, async () => {
    const hook = await addEndpoint(await demoTenant(), ["broadcast.completed"]);
    const topic = await newTopic();
    const people = Array.from({ length: 3 }, (_, i) => ({ id: `bcw-${crypto.randomUUID().slice(0, 8)}-${i}`, labels: [], topics: [topic] }));
    await seedPeople(people);

    const res = await createBroadcast({ topic, content: { type: "text", text: "Spring sale" } });
    expect(res.status).toBe(202);
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    const done = await waitFor(broadcast.id, (b) => b.status === "completed");

    const [delivery] = await receivedAtLeast(hook.bin, 1);
    const body = verify(hook.secret, delivery!) as { type: string; tenant: string; data: { broadcast: BroadcastView } };
    expect(body.type).toBe("broadcast.completed");
    expect(body.tenant).toBe("demo");
    expect(body.data.broadcast).toMatchObject({ id: broadcast.id, status: "completed", total: 3, delivered: 3, failed: 0 });
    expect(body.data.broadcast.delivered).toBe(done.delivered);

    // A re-run of the hook (after a crash inside it) enqueues nothing more.
    await onBroadcastCompleted(env, "demo", done);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await received(hook.bin)).filter((d) => d.json.type === "broadcast.completed")).toHaveLength(1);
  });
});
