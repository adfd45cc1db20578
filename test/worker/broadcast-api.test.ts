// The broadcast API's edges: label expressions refused with the path of the
// error, unknown topics, empty audiences, roles, listing, localTime.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BroadcastView } from "../../src/broadcast/store";
import { adminKeyOf, createBroadcast, getBroadcast, newTopic, seedPeople, waitFor } from "./broadcast-helpers";
import { ADMIN_TOKEN, api, BOT_KEY, json, openSession, uniqueUser } from "./helpers";

const content = { type: "text", text: "Hello subscribers" };

async function problemOf(res: Response): Promise<{ code: string; errors?: { path: string; message: string }[] }> {
  return json(res);
}

describe("label expressions", () => {
  const cases: [string, unknown, string][] = [
    ["depth > 5", { not: { not: { not: { not: { not: "vip" } } } } }, "audience.labels.not.not.not.not.not"],
    ["unknown operator", { and: ["vip", { xor: ["a", "b"] }] }, "audience.labels.and.1.xor"],
    ["two operators in one object", { and: ["a"], or: ["b"] }, "audience.labels"],
    ["more than 50 labels", { or: Array.from({ length: 51 }, (_, i) => `l${i}`) }, "audience.labels.or.50"],
    ["a bad label", { or: ["ok", "Not OK"] }, "audience.labels.or.1"],
    ["an empty and", { and: [] }, "audience.labels.and"],
  ];
  for (const [name, labels, path] of cases) {
    it(`${name} → 400 naming ${path}`, async () => {
      const topic = await newTopic();
      for (const res of [
        await createBroadcast({ topic, content, audience: { labels } }),
        await api("/v1/broadcasts/estimate", { method: "POST", token: await adminKeyOf(), json: { topic, audience: { labels } } }),
      ]) {
        expect(res.status).toBe(400);
        const problem = await problemOf(res);
        expect(problem.code).toBe("invalid_request");
        expect(problem.errors?.map((e) => e.path)).toContain(path);
      }
    });
  }

  it("depth 5 and 50 labels are fine", async () => {
    const topic = await newTopic();
    const deep = await createBroadcast({ topic, content, audience: { labels: { not: { not: { not: { not: "vip" } } } } } });
    expect(deep.status).toBe(202);
    const wide = await createBroadcast({ topic, content, audience: { labels: { or: Array.from({ length: 50 }, (_, i) => `l${i}`) } } });
    expect(wide.status).toBe(202);
  });
});

describe("broadcasts", () => {
  it("an unknown topic is 404 for create, estimate and a customer's opt-in", async () => {
    const res = await createBroadcast({ topic: "no-such-topic", content });
    expect(res.status).toBe(404);
    const est = await api("/v1/broadcasts/estimate", { method: "POST", token: await adminKeyOf(), json: { topic: "no-such-topic" } });
    expect(est.status).toBe(404);
    const s = await openSession(uniqueUser());
    const sub = await api("/v1/me/subscriptions/no-such-topic", { method: "PUT", token: s.sessionToken });
    expect(sub.status).toBe(404);
  });

  it("a broadcast to nobody completes at once with total 0", async () => {
    const topic = await newTopic();
    const res = await createBroadcast({ topic, content });
    expect(res.status).toBe(202);
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    expect(broadcast).toMatchObject({ status: "completed", total: 0, delivered: 0, skipped: 0, failed: 0, read: 0 });
    expect(broadcast.completedAt).toBeTruthy();
  });

  it("bad bodies are 400 with paths; customers and agents cannot broadcast", async () => {
    const topic = await newTopic();
    const bad = await createBroadcast({ topic, content, localTime: "25:00", sendAt: "tomorrow" });
    expect(bad.status).toBe(400);
    const paths = (await problemOf(bad)).errors?.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["localTime", "sendAt"]));
    const s = await openSession(uniqueUser());
    const asCustomer = await api("/v1/broadcasts", { method: "POST", token: s.sessionToken, json: { topic, content } });
    expect(asCustomer.status).toBe(403);
    const agentKey = await json<{ apiKey: string }>(
      await api("/v1/admin/tenants/demo/api-keys", { method: "POST", token: ADMIN_TOKEN, json: { role: "agent" } }),
    );
    const asAgent = await api("/v1/broadcasts", { method: "POST", token: agentKey.apiKey, json: { topic, content } });
    expect(asAgent.status).toBe(403);
    // Agents may read progress.
    expect((await api("/v1/broadcasts", { token: agentKey.apiKey })).status).toBe(200);
    const asBot = await api("/v1/broadcasts", { method: "POST", token: BOT_KEY, json: { topic, content } });
    expect(asBot.status).toBe(202);
    const topicAsBot = await api(`/v1/topics/${topic}`, { method: "PUT", token: BOT_KEY, json: { name: "x" } });
    expect(topicAsBot.status).toBe(403);
  });

  it("lists newest first with status filter and keyset cursor", async () => {
    const topic = await newTopic();
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await createBroadcast({ topic, content });
      created.push((await json<{ broadcast: BroadcastView }>(res)).broadcast.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api(`/v1/broadcasts?status=completed&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: await adminKeyOf() });
      expect(res.status).toBe(200);
      const page = await json<{ broadcasts: BroadcastView[]; cursor: string | null }>(res);
      for (const b of page.broadcasts) expect(b.status).toBe("completed");
      seen.push(...page.broadcasts.map((b) => b.id));
      cursor = page.cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: ours appear in reverse creation order.
    expect(seen.filter((id) => created.includes(id))).toEqual([...created].reverse());
    const broken = await api("/v1/broadcasts?cursor=nonsense", { token: await adminKeyOf() });
    expect(broken.status).toBe(400);
  });

  it("localTime sends at that wall-clock time in each person's timezone", async () => {
    const topic = await newTopic();
    const run = crypto.randomUUID().slice(0, 8);
    const hhmm = (tz: string, at: Date) =>
      new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
    // It is `localTime` right now in Tokyo; New York and UTC reach it many hours later.
    const localTime = hhmm("Asia/Tokyo", new Date());
    const tokyo = `lt-${run}-tokyo`;
    const newYork = `lt-${run}-ny`;
    const utc = `lt-${run}-utc`;
    await seedPeople([
      { id: tokyo, labels: [], timezone: "Asia/Tokyo", topics: [topic] },
      { id: newYork, labels: [], timezone: "America/New_York", topics: [topic] },
      { id: utc, labels: [], timezone: null, topics: [topic] },
    ]);
    const res = await createBroadcast({ topic, content, localTime });
    expect(res.status).toBe(202);
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    expect(broadcast.status).toBe("scheduled");
    const progressed = await waitFor(broadcast.id, (b) => b.delivered === 1, 30_000);
    expect(progressed).toMatchObject({ status: "running", total: 3, delivered: 1, pending: 2 });
    const rows = await env.DB.prepare("SELECT user_id, due_at, status FROM broadcast_recipients WHERE broadcast_id = ?")
      .bind(broadcast.id)
      .all<{ user_id: string; due_at: string; status: string }>();
    const byUser = new Map(rows.results.map((r) => [r.user_id, r]));
    expect(byUser.get(tokyo)?.status).toBe("delivered");
    for (const [id, tz] of [[newYork, "America/New_York"], [utc, "UTC"]] as const) {
      const due = new Date(byUser.get(id)!.due_at);
      expect(byUser.get(id)?.status).toBe("pending");
      expect(hhmm(tz, due)).toBe(localTime);
      expect(due.getTime()).toBeGreaterThan(Date.now());
      expect(due.getTime()).toBeLessThan(Date.now() + 24 * 3600_000);
    }
    const cancel = await api(`/v1/broadcasts/${broadcast.id}/cancel`, { method: "POST", token: await adminKeyOf() });
    expect((await json<{ broadcast: BroadcastView }>(cancel)).broadcast).toMatchObject({ status: "cancelled", skipped: 2 });
    expect((await getBroadcast(broadcast.id)).skippedReasons).toEqual({ cancelled: 2 });
  }, 40_000);

  it("sendAt in the future stays scheduled until then", async () => {
    const topic = await newTopic();
    const id = `sa-${crypto.randomUUID().slice(0, 8)}`;
    await seedPeople([{ id, labels: [], topics: [topic] }]);
    const sendAt = new Date(Date.now() + 3_000).toISOString();
    const res = await createBroadcast({ topic, content, sendAt });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(res);
    expect(broadcast).toMatchObject({ status: "scheduled", total: 1, sendAt });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await getBroadcast(broadcast.id)).delivered).toBe(0);
    const done = await waitFor(broadcast.id, (b) => b.status === "completed", 30_000);
    expect(done.delivered).toBe(1);
    expect(new Date(done.completedAt!).getTime()).toBeGreaterThanOrEqual(new Date(sendAt).getTime());
  }, 40_000);
});
