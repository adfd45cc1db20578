// Exactly once under failure: a consumer that crashes halfway through is
// redelivered by the queue; every recipient still has one copy and the
// counters equal the audience. Also: cancel and opt-out during a run.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { armConsumerCrash, crashPending } from "../../src/broadcast/faults";
import type { BroadcastView } from "../../src/broadcast/store";
import { adminKeyOf, copiesOf, copyEventsOf, createBroadcast, getBroadcast, newTopic, seedPeople, waitFor } from "./broadcast-helpers";
import { api, json, openSession } from "./helpers";

function ids(prefix: string, n: number): string[] {
  const run = crypto.randomUUID().slice(0, 8);
  return Array.from({ length: n }, (_, i) => `${prefix}-${run}-${String(i).padStart(3, "0")}`);
}

describe("broadcast faults", () => {
  it("a consumer crash halfway, then redelivery: one copy each, counters = audience", async () => {
    expect(env.BROADCAST_TEST_FAULTS).toBe("true");
    const topic = await newTopic();
    const people = ids("crash", 120);
    await seedPeople(people.map((id) => ({ id, labels: [], topics: [topic] })));
    armConsumerCrash(50);
    const res = await createBroadcast({ topic, content: { type: "text", text: "Once only" } });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    const done = await waitFor(broadcast.id, (b) => b.status === "completed");
    // The crash happened (some recipients were appended but not yet marked when it did).
    expect(crashPending()).toBe(false);
    expect(done).toMatchObject({ total: 120, delivered: 120, skipped: 0, failed: 0, pending: 0 });
    const copies = await copiesOf(people, broadcast.id);
    expect([...copies.values()]).toEqual(people.map(() => 1));
    const row = await env.DB.prepare("SELECT completion_notified_at FROM broadcasts WHERE id = ?").bind(broadcast.id).first<{ completion_notified_at: string | null }>();
    expect(row?.completion_notified_at).toBeTruthy();
  }, 120_000);

  it("someone who opts out during the run gets nothing after that", async () => {
    const topic = await newTopic();
    const people = ids("optout", 40);
    await seedPeople(people.map((id) => ({ id, labels: [], topics: [topic] })));
    // The last three in dispatch order (user id order) opt out through the public API.
    const leaving = people.slice(-3);
    const sessions = await Promise.all(leaving.map((id) => openSession(id)));
    // Paced at 5/s: slices of one every 200 ms, 0 … 7.8 s; the opt-outs land long before the last slice.
    const res = await createBroadcast({ topic, content: { type: "text", text: "Paced" }, maxPerSecond: 5 });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    for (const s of sessions) {
      const out = await api(`/v1/me/subscriptions/${topic}`, { method: "DELETE", token: s.sessionToken });
      expect(out.status).toBe(200);
    }
    const done = await waitFor(broadcast.id, (b) => b.status === "completed");
    expect(done).toMatchObject({ total: 40, delivered: 37, skipped: 3, skippedReasons: { unsubscribed: 3 }, failed: 0 });
    const copies = await copiesOf(people, broadcast.id);
    for (const id of people) expect(copies.get(id)).toBe(leaving.includes(id) ? 0 : 1);
  }, 120_000);

  it("maxPerSecond paces evenly: recipients `pace` apart went out about a second apart, never in a burst", async () => {
    const topic = await newTopic();
    const people = ids("paced", 8);
    await seedPeople(people.map((id) => ({ id, labels: [], topics: [topic] })));
    const res = await createBroadcast({ topic, content: { type: "text", text: "Two a second" }, maxPerSecond: 2 });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    await waitFor(broadcast.id, (b) => b.status === "completed", 60_000);
    const copies = await copyEventsOf(people, broadcast.id);
    const times = [...copies.values()].flat().map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    expect(times).toHaveLength(8);

    // Slices of one start half a second apart, so appends `pace` apart in time order are (about) a second apart.
    // (The queue batches messages that came due up to a second apart: two slices went out within a millisecond.)
    for (let i = 0; i + 2 < times.length; i++) expect(times[i + 2]! - times[i]!).toBeGreaterThan(800);
  }, 60_000);

  it("cancel: nothing is delivered after the cancel except what was in flight", async () => {
    const topic = await newTopic();
    const people = ids("cancel", 60);
    await seedPeople(people.map((id) => ({ id, labels: [], topics: [topic] })));
    const createdAt = Date.now();
    const res = await createBroadcast({ topic, content: { type: "text", text: "Oops" }, maxPerSecond: 5 });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    await waitFor(broadcast.id, (b) => b.delivered >= 5, 30_000);
    const cancel = await api(`/v1/broadcasts/${broadcast.id}/cancel`, { method: "POST", token: await adminKeyOf() });
    expect(cancel.status).toBe(200);
    const { broadcast: atCancel, inFlight } = await json<{ broadcast: BroadcastView; inFlight: number }>(cancel);
    expect(atCancel.status).toBe("cancelled");
    // What was not delivered, failed or in flight at the cancel is skipped at once.
    expect(atCancel.skippedReasons.cancelled).toBe(60 - atCancel.delivered - atCancel.failed - inFlight);
    expect(inFlight).toBeLessThanOrEqual(10);
    // Pacing at 5/s: no more than 5 a second go out (a busy machine only makes it later).
    const elapsedS = (Date.now() - createdAt) / 1000;
    expect(atCancel.delivered + atCancel.failed + inFlight).toBeLessThanOrEqual(5 * (Math.floor(elapsedS) + 1));
    // Let the slices still queued (paced up to 12 s ahead) come and go.
    await new Promise((r) => setTimeout(r, 13_000));
    const after = await getBroadcast(broadcast.id);
    expect(after.status).toBe("cancelled");
    expect(after.pending).toBe(0);
    expect(after.delivered + after.failed).toBe(atCancel.delivered + atCancel.failed + inFlight);
    const copies = await copiesOf(people, broadcast.id);
    expect([...copies.values()].reduce((a, b) => a + b, 0)).toBe(after.delivered);
    const again = await api(`/v1/broadcasts/${broadcast.id}/cancel`, { method: "POST", token: await adminKeyOf() });
    expect(again.status).toBe(200);
  }, 120_000);

  it("a slice that keeps crashing ends in the dead-letter queue: the broadcast still completes, never a second copy", async () => {
    const topic = await newTopic();
    const people = ids("dlq", 8);
    await seedPeople(people.map((id) => ({ id, labels: [], topics: [topic] })));
    // Every attempt crashes after its appends (max_retries = 5: six attempts, then the dead-letter queue).
    armConsumerCrash(1, 6);
    const res = await createBroadcast({ topic, content: { type: "text", text: "Unlucky" } });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    const done = await waitFor(broadcast.id, (b) => b.status === "completed", 60_000);
    expect(crashPending()).toBe(false);
    // Appended but never confirmed: counted as failed ("dead_letter"), and still one copy at most.
    expect(done).toMatchObject({ total: 8, delivered: 0, failed: 8, failedReasons: { dead_letter: 8 }, pending: 0 });
    const copies = await copiesOf(people, broadcast.id);
    expect([...copies.values()].every((n) => n <= 1)).toBe(true);
  }, 90_000);
});
