// Retries as API.md "Webhooks" → order and retries says: a failed delivery
// holds its conversation's stream and is retried on the schedule with the
// same webhook-id; Retry-After replaces the next delay; 410 disables the
// endpoint; after the schedule the delivery fails and the stream goes on.
import { describe, expect, it } from "vitest";
import { api, json } from "./helpers";
import {
  addEndpoint,
  customer,
  deliveries,
  deliveriesWhen,
  heldEndpoint,
  hookedThread,
  hurry,
  newTenant,
  plan,
  received,
  receivedAtLeast,
  release,
  resetPlan,
  say,
  verify,
} from "./webhook-helpers";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function dueIn(nextAttemptAt: string | null): number {
  expect(nextAttemptAt).not.toBeNull();
  return Date.parse(nextAttemptAt!) - Date.now();
}

describe("webhook retries", () => {
  it("500, 500, 200: the third try carries the same webhook-id, later events wait for it", { timeout: 60_000 }, async () => {
    const { tenant, endpoint, secret, bin, c } = await hookedThread([{ status: 500, body: "oops" }, { status: 500 }]);
    const first = await say(c.token, c.conversationId, "m1");
    await say(c.token, c.conversationId, "m2");
    await say(c.token, c.conversationId, "m3");

    await receivedAtLeast(bin, 1);
    const afterFirst = await deliveriesWhen(tenant, endpoint.id, (l) => l.some((d) => d.attempts === 1 && d.lastStatus === 500));
    const m1 = afterFirst.find((d) => d.seq === first.seq)!;
    expect(m1).toMatchObject({ status: "pending", attempts: 1, lastStatus: 500, lastError: "HTTP 500", lastResponse: "oops" });
    // About 5 s (with jitter), not minutes.
    expect(dueIn(m1.nextAttemptAt)).toBeGreaterThan(1 * SECOND);
    expect(dueIn(m1.nextAttemptAt)).toBeLessThan(7 * SECOND);

    // The second try comes by itself (the DO's alarm), still before m2.
    const two = await receivedAtLeast(bin, 2);
    expect(two.map((d) => d.json.data.content?.text)).toEqual(["m1", "m1"]);
    const afterSecond = await deliveriesWhen(tenant, endpoint.id, (l) => l.some((d) => d.attempts === 2));
    const again = afterSecond.find((d) => d.seq === first.seq)!;
    expect(dueIn(again.nextAttemptAt)).toBeGreaterThan(3.5 * MINUTE);
    expect(dueIn(again.nextAttemptAt)).toBeLessThan(6.5 * MINUTE);
    expect((await received(bin)).length).toBe(2);

    await hurry(tenant, c.conversationId);
    const log = await receivedAtLeast(bin, 5);
    expect(log.map((d) => d.json.data.content?.text)).toEqual(["m1", "m1", "m1", "m2", "m3"]);
    const ids = log.map((d) => d.headers["webhook-id"]);
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(new Set(ids).size).toBe(3);
    for (const d of log) verify(secret, d);
    // The body is the same bytes on every try; only the signature's timestamp moves.
    expect(new Set(log.slice(0, 3).map((d) => d.body)).size).toBe(1);
    const done = await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 3 && l.every((d) => d.status === "succeeded"));
    expect(done.find((d) => d.seq === first.seq)).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
  });

  it("a failing conversation does not hold up another", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const { bin } = await addEndpoint(tenant, ["message.created"]);
    await plan(bin, [{ status: 500 }]);
    const a = await customer(tenant);
    const b = await customer(tenant);
    await say(a.token, a.conversationId, "a1");
    await receivedAtLeast(bin, 1);
    await say(b.token, b.conversationId, "b1");
    const log = await receivedAtLeast(bin, 2);
    expect(log.map((d) => d.json.data.content?.text)).toEqual(["a1", "b1"]);
  });

  it("a receiver that is slow to answer does not delay another endpoint of the same conversation", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const slow = await heldEndpoint(tenant);
    const fast = await addEndpoint(tenant, ["message.created"]);
    const c = await customer(tenant);
    await say(c.token, c.conversationId, "m1");
    await receivedAtLeast(slow.bin, 1);
    await say(c.token, c.conversationId, "m2");
    // m2 reaches the fast endpoint while the slow one still has m1 in flight.
    expect((await receivedAtLeast(fast.bin, 2)).map((d) => d.json.data.content?.text)).toEqual(["m1", "m2"]);
    expect(await received(slow.bin)).toHaveLength(1);
    await release(slow.bin);
    expect((await receivedAtLeast(slow.bin, 2)).map((d) => d.json.data.content?.text)).toEqual(["m1", "m2"]);
  });

  it("no answer within 15 s is a failed attempt, retried like any other", { timeout: 60_000 }, async () => {
    const { tenant, endpoint, bin, c } = await hookedThread([{ status: 200, hold: true }]);
    await say(c.token, c.conversationId, "m1");
    await receivedAtLeast(bin, 1);
    const timedOut = await deliveriesWhen(tenant, endpoint.id, (l) => typeof l[0]?.lastError === "string", "", 40_000);
    expect(timedOut[0]).toMatchObject({ status: "pending", attempts: 1, lastStatus: null, lastError: "no answer within 15 s" });
    await release(bin);
    const log = await receivedAtLeast(bin, 2);
    expect(log[1]!.headers["webhook-id"]).toBe(log[0]!.headers["webhook-id"]);
    await deliveriesWhen(tenant, endpoint.id, (l) => l[0]?.status === "succeeded" && l[0].attempts === 2);
  });

  it("Retry-After replaces the next delay (seconds or HTTP date, at most 24 h)", { timeout: 30_000 }, async () => {
    const inOneHour = new Date(Date.now() + 60 * MINUTE).toUTCString();
    const { tenant, endpoint, c } = await hookedThread([
      { status: 503, headers: { "retry-after": "120" } },
      { status: 429, headers: { "retry-after": inOneHour } },
      { status: 503, headers: { "retry-after": "9999999" } },
    ]);
    await say(c.token, c.conversationId, "m1");

    const first = (await deliveriesWhen(tenant, endpoint.id, (l) => l[0]?.attempts === 1))[0]!;
    expect(dueIn(first.nextAttemptAt)).toBeGreaterThan(100 * SECOND);
    expect(dueIn(first.nextAttemptAt)).toBeLessThanOrEqual(120 * SECOND);

    await hurry(tenant, c.conversationId);
    const second = (await deliveriesWhen(tenant, endpoint.id, (l) => l[0]?.attempts === 2))[0]!;
    expect(second.lastStatus).toBe(429);
    expect(dueIn(second.nextAttemptAt)).toBeGreaterThan(55 * MINUTE);
    expect(dueIn(second.nextAttemptAt)).toBeLessThanOrEqual(60 * MINUTE);

    await hurry(tenant, c.conversationId);
    const third = (await deliveriesWhen(tenant, endpoint.id, (l) => l[0]?.attempts === 3))[0]!;
    expect(dueIn(third.nextAttemptAt)).toBeGreaterThan(23.9 * 60 * MINUTE);
    expect(dueIn(third.nextAttemptAt)).toBeLessThanOrEqual(24 * 60 * MINUTE);
  });

  it("410 Gone disables the endpoint for every conversation; other endpoints go on", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const gone = await addEndpoint(tenant, ["message.created"]);
    const other = await addEndpoint(tenant, ["message.created"]);
    await plan(gone.bin, [{ status: 410 }]);
    const a = await customer(tenant);
    await say(a.token, a.conversationId, "a1");
    await deliveriesWhen(tenant, gone.endpoint.id, (l) => l[0]?.status === "failed");
    const got = await json<{ endpoint: { disabled: boolean; disabledReason?: string } }>(
      await api(`/v1/webhook-endpoints/${gone.endpoint.id}`, { token: tenant.adminKey }),
    );
    expect(got.endpoint.disabled).toBe(true);
    expect(got.endpoint.disabledReason).toMatch(/410/);
    expect((await deliveries(tenant, gone.endpoint.id))[0]).toMatchObject({ status: "failed", attempts: 1, lastStatus: 410, nextAttemptAt: null });

    const b = await customer(tenant);
    await say(a.token, a.conversationId, "a2");
    await say(b.token, b.conversationId, "b1");
    const others = await receivedAtLeast(other.bin, 3);
    expect(others.map((d) => d.json.data.content?.text).sort()).toEqual(["a1", "a2", "b1"]);
    expect(await received(gone.bin)).toHaveLength(1);
  });

  it("after the schedule a delivery fails, the stream goes on with a gap in prevSeq, and retry sends it again", { timeout: 60_000 }, async () => {
    const { tenant, endpoint, secret, bin, c } = await hookedThread(Array.from({ length: 8 }, () => ({ status: 500, body: "x".repeat(5000) })));
    const m1 = await say(c.token, c.conversationId, "m1");
    const m2 = await say(c.token, c.conversationId, "m2");
    for (let attempt = 1; attempt <= 8; attempt++) {
      await receivedAtLeast(bin, attempt);
      await deliveriesWhen(tenant, endpoint.id, (l) => l.some((d) => d.seq === m1.seq && d.attempts === attempt && d.lastStatus === 500));
      if (attempt < 8) await hurry(tenant, c.conversationId);
    }
    const log = await receivedAtLeast(bin, 9);
    expect(log.map((d) => d.json.data.content?.text)).toEqual([...Array<string>(8).fill("m1"), "m2"]);
    expect(log[8]!.json).toMatchObject({ seq: m2.seq, prevSeq: m1.seq });

    const failed = await deliveries(tenant, endpoint.id, "?status=failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ seq: m1.seq, status: "failed", attempts: 8, lastStatus: 500, nextAttemptAt: null });
    expect(failed[0]!.lastResponse).toBe("x".repeat(1024));
    expect(await deliveries(tenant, endpoint.id, "?status=succeeded")).toHaveLength(1);

    const retry = await api(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${failed[0]!.id}/retry`, { method: "POST", token: tenant.adminKey });
    expect(retry.status).toBe(202);
    const after = await receivedAtLeast(bin, 10);
    expect(after[9]!.headers["webhook-id"]).toBe(failed[0]!.id);
    verify(secret, after[9]!);
    await deliveriesWhen(tenant, endpoint.id, (l) => l.every((d) => d.status === "succeeded"));

    const unknown = await api(`/v1/webhook-endpoints/${endpoint.id}/deliveries/msg_nope/retry`, { method: "POST", token: tenant.adminKey });
    expect(unknown.status).toBe(404);
  });

  it("recover re-sends every failed delivery since a time, across conversations", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const { endpoint, bin } = await addEndpoint(tenant, ["message.created"]);
    const patch = (disabled: boolean) =>
      api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", token: tenant.adminKey, json: { disabled } });
    await plan(bin, Array.from({ length: 4 }, () => ({ status: 500 })));
    const since = new Date().toISOString();
    const a = await customer(tenant);
    const b = await customer(tenant);
    await say(a.token, a.conversationId, "a1");
    await say(b.token, b.conversationId, "b1");
    await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 2 && l.every((d) => d.lastStatus === 500));
    // Disabled while they wait for their retry: they fail instead.
    expect((await patch(true)).status).toBe(200);
    await hurry(tenant, a.conversationId);
    await hurry(tenant, b.conversationId);
    const failed = await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 2 && l.every((d) => d.status === "failed"), "?status=failed");
    expect(failed[0]!.lastError).toBe("HTTP 500");

    expect((await patch(false)).status).toBe(200);
    await resetPlan(bin);
    const bad = await api(`/v1/webhook-endpoints/${endpoint.id}/recover`, { method: "POST", token: tenant.adminKey, json: { since: "yesterday" } });
    expect(bad.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(bad)).errors[0]!.path).toBe("since");
    const later = await api(`/v1/webhook-endpoints/${endpoint.id}/recover`, {
      method: "POST",
      token: tenant.adminKey,
      json: { since: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(await json(later)).toEqual({ recovered: 0 });
    const res = await api(`/v1/webhook-endpoints/${endpoint.id}/recover`, { method: "POST", token: tenant.adminKey, json: { since } });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ recovered: 2 });
    const done = await deliveriesWhen(tenant, endpoint.id, (l) => l.length === 2 && l.every((d) => d.status === "succeeded"));
    expect(done.map((d) => d.conversationId).sort()).toEqual([a.conversationId, b.conversationId].sort());
    const texts = (await received(bin)).filter((d) => d.json.type === "message.created").map((d) => d.json.data.content?.text);
    expect(texts.filter((t) => t === "a1").length).toBeGreaterThanOrEqual(2);
    expect(texts.filter((t) => t === "b1").length).toBeGreaterThanOrEqual(2);
  });
});
