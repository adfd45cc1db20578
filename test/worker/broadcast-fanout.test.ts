// 1,000 people with mixed labels and subscriptions: exactly the hand-computed
// set gets one copy each, the estimate equals the actual total, counters add up.
import { describe, expect, it } from "vitest";
import type { BroadcastView } from "../../src/broadcast/store";
import { adminKeyOf, copiesOf, createBroadcast, newTopic, seedPeople, waitFor, type SeedPerson } from "./broadcast-helpers";
import { api, json } from "./helpers";

const LABELS = ["vip", "de", "fr", "churned"];

describe("broadcast fan-out", () => {
  it("reaches exactly the subscribed people matching the label expression, once each", async () => {
    const topic = await newTopic();
    const other = await newTopic("other");
    const run = crypto.randomUUID().slice(0, 8);
    // Deterministic mix: person i carries label k when bit k of (i * 7) % 16 is set;
    // subscribed to `topic` unless i % 3 === 0, to `other` when i % 2 === 0.
    const people: SeedPerson[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `bc-${run}-${String(i).padStart(4, "0")}`,
      labels: LABELS.filter((_, k) => (((i * 7) % 16) >> k) & 1),
      topics: [...(i % 3 !== 0 ? [topic] : []), ...(i % 2 === 0 ? [other] : [])],
    }));
    await seedPeople(people);
    const audience = { labels: { and: [{ or: ["vip", "de"] }, { not: "churned" }] } };
    // Hand-computed: subscribed to topic, (vip or de), not churned.
    const expected = people
      .filter((p) => p.topics.includes(topic))
      .filter((p) => (p.labels.includes("vip") || p.labels.includes("de")) && !p.labels.includes("churned"))
      .map((p) => p.id);
    expect(expected.length).toBeGreaterThan(100);

    const estimate = await api("/v1/broadcasts/estimate", { method: "POST", token: await adminKeyOf(), json: { topic, audience } });
    expect(estimate.status).toBe(200);
    expect((await json<{ total: number }>(estimate)).total).toBe(expected.length);

    const res = await createBroadcast({ topic, audience, content: { type: "text", text: "Spring sale!" } });
    expect(res.status).toBe(202);
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    expect(broadcast.id).toMatch(/^bc_/);
    expect(broadcast.total).toBe(expected.length);

    const done = await waitFor(broadcast.id, (b) => b.status === "completed");
    expect(done).toMatchObject({ total: expected.length, delivered: expected.length, skipped: 0, failed: 0, pending: 0 });
    expect(done.completedAt).toBeTruthy();

    const copies = await copiesOf(people.map((p) => p.id), broadcast.id);
    const received = [...copies].filter(([, n]) => n > 0).map(([id]) => id).sort();
    expect(received).toEqual([...expected].sort());
    expect([...copies.values()].every((n) => n <= 1)).toBe(true);
  }, 180_000);
});
