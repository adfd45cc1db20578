// A broadcast whose queue messages never come (the Worker died after the D1
// write, or a restart of `npm run dev` dropped miniflare's in-memory queue)
// is driven again by its watch (src/broadcast/watch.ts) and completes, one
// copy per subscriber. The lost messages are staged by moving the broadcast's
// clock in D1: its real tick is still an hour away in the queue. While
// nothing is due, the watch sleeps until a look after the next due recipient.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BroadcastView } from "../../src/broadcast/store";
import { WATCH_MS, watchName } from "../../src/broadcast/watch";
import { copiesOf, createBroadcast, getBroadcast, newTopic, seedPeople, waitFor } from "./broadcast-helpers";
import { json } from "./helpers";

/** A broadcast to `people` new subscribers, scheduled an hour ahead (so its queued tick stays away). */
async function scheduledBroadcast(people: number): Promise<{ id: string; userIds: string[] }> {
  const topic = await newTopic("watch");
  const userIds = Array.from({ length: people }, (_, i) => `watch-${crypto.randomUUID().slice(0, 8)}-${i}`);
  await seedPeople(userIds.map((id) => ({ id, labels: [], topics: [topic] })));
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const res = await createBroadcast({ topic, sendAt, content: { type: "text", text: "Spring sale" } });
  expect(res.status).toBe(202);
  const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
  expect(broadcast).toMatchObject({ status: "scheduled", total: people });
  return { id: broadcast.id, userIds };
}

/** Moves the broadcast's start (and its recipients' due time) to `msAgo` in the past. */
async function startedAgo(id: string, msAgo: number): Promise<void> {
  const past = new Date(Date.now() - msAgo).toISOString();
  await env.DB.batch([
    env.DB.prepare("UPDATE broadcasts SET send_at = ? WHERE id = ?").bind(past, id),
    env.DB.prepare("UPDATE broadcast_recipients SET due_at = ? WHERE broadcast_id = ?").bind(past, id),
  ]);
}

const watchOf = (id: string) => env.BROADCAST_WATCH.getByName(watchName("demo", id));

/** When the watch of broadcast `id` looks next (ms since the epoch). */
const nextLookOf = (id: string) => runInDurableObject(watchOf(id), (_o, state) => state.storage.getAlarm());

describe("the broadcast watch", () => {
  it("starts a scheduled broadcast whose start never came", async () => {
    const { id, userIds } = await scheduledBroadcast(3);
    await startedAgo(id, 2 * WATCH_MS);
    expect((await getBroadcast(id)).status).toBe("scheduled");

    expect(await runDurableObjectAlarm(watchOf(id))).toBe(true);
    expect(await waitFor(id, (b) => b.status === "completed")).toMatchObject({ total: 3, delivered: 3 });
    expect([...(await copiesOf(userIds, id)).values()]).toEqual([1, 1, 1]);
    // Done: the watch forgets it at its next look.
    expect(await runDurableObjectAlarm(watchOf(id))).toBe(true);
    expect(await runDurableObjectAlarm(watchOf(id))).toBe(false);
  }, 60_000);

  it("drives a running broadcast whose deliveries were lost, without second copies", async () => {
    const { id, userIds } = await scheduledBroadcast(4);
    await startedAgo(id, 2 * WATCH_MS);
    // Running, every recipient dispatched — and every delivery lost.
    await env.DB.batch([
      env.DB.prepare("UPDATE broadcasts SET status = 'running', started_at = ? WHERE id = ?").bind(new Date().toISOString(), id),
      env.DB.prepare("UPDATE broadcast_recipients SET dispatched = 1 WHERE broadcast_id = ?").bind(id),
    ]);

    expect(await runDurableObjectAlarm(watchOf(id))).toBe(true);
    expect(await waitFor(id, (b) => b.status === "completed")).toMatchObject({ total: 4, delivered: 4 });
    expect([...(await copiesOf(userIds, id)).values()]).toEqual([1, 1, 1, 1]);
  }, 60_000);

  it("sleeps until a look after the next recipient is due, then looks every WATCH_MS", async () => {
    const topic = await newTopic("watch");
    const userIds = [0, 1].map((i) => `watch-${crypto.randomUUID().slice(0, 8)}-${i}`);
    await seedPeople(userIds.map((id) => ({ id, labels: [], timezone: null, topics: [topic] })));
    // Three hours from now in UTC: the broadcast runs at once, and nobody is due until then.
    const localTime = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(11, 16);
    const res = await createBroadcast({ topic, localTime, content: { type: "text", text: "Good morning" } });
    expect(res.status).toBe(202);
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    await waitFor(broadcast.id, (b) => b.status === "running", 30_000);
    const row = await env.DB.prepare("SELECT MIN(due_at) AS due FROM broadcast_recipients WHERE broadcast_id = ?")
      .bind(broadcast.id)
      .first<{ due: string }>();
    const due = Date.parse(row!.due);
    expect(due).toBeGreaterThan(Date.now() + 2 * 3_600_000);

    expect(await runDurableObjectAlarm(watchOf(broadcast.id))).toBe(true);
    expect(await nextLookOf(broadcast.id)).toBe(due + WATCH_MS);

    // Once someone is due and waiting, it is looked at every WATCH_MS again.
    await env.DB.prepare("UPDATE broadcast_recipients SET due_at = ? WHERE broadcast_id = ? AND user_id = ?")
      .bind(new Date(Date.now() - 1_000).toISOString(), broadcast.id, userIds[0])
      .run();
    const before = Date.now();
    expect(await runDurableObjectAlarm(watchOf(broadcast.id))).toBe(true);
    const next = await nextLookOf(broadcast.id);
    expect(next).toBeGreaterThanOrEqual(before + WATCH_MS);
    expect(next).toBeLessThanOrEqual(Date.now() + WATCH_MS);
  }, 60_000);

  it("leaves a broadcast that is moving alone", async () => {
    const { id } = await scheduledBroadcast(2);
    // Started a moment ago: not yet a look's time past its start.
    await startedAgo(id, 1_000);
    expect(await runDurableObjectAlarm(watchOf(id))).toBe(true);
    expect((await getBroadcast(id)).status).toBe("scheduled");
  }, 60_000);
});
