// Channel sends on the conversation's durable outbox (the webhooks'
// machinery, a "channel" sink): seq order through a 500 and a rate limit
// retried on their own after Retry-After, a send cut off by a reset Durable
// Object sent again when the alarm runs again, and a failing platform and a
// failing webhook endpoint of the same thread never holding each other up.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, eventually } from "./helpers";
import {
  channelTenant,
  deliveriesOf,
  graphError,
  graphOk,
  messengerThread,
  mockGraph,
  sendAs,
  seqOf,
  type ChannelTenant,
  type Delivery,
  type GraphCall,
} from "./channel-helpers";
import { addEndpoint, plan, receivedAtLeast, release, resetPlan, type TestTenant } from "./webhook-helpers";

/** Polls the channel deliveries until `ready` holds (at most `timeoutMs`: the runtime's alarm retries take seconds). */
async function deliveriesWhen(t: ChannelTenant, conversationId: string, ready: (ds: Delivery[]) => boolean, timeoutMs = 20_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  let ds = await deliveriesOf(t, conversationId);
  while (!ready(ds) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    ds = await deliveriesOf(t, conversationId);
  }
  return ds;
}

function textOf(call: GraphCall): string {
  return (call.body.message as { text: string }).text;
}

/** The channel tenant as the webhook helpers know a tenant. */
function webhookTenant(t: ChannelTenant): TestTenant {
  return { id: t.id, adminKey: t.adminKey, botKey: t.adminKey, secret: t.identitySecret };
}

describe("channel deliveries on the conversation's outbox", () => {
  it("keep seq order through a 500 and a rate limit, retried after Retry-After without anyone's help", { timeout: 30_000 }, async () => {
    const t = await channelTenant();
    const answers = [
      () => new Response("upstream broke", { status: 500, headers: { "retry-after": "1" } }),
      () => {
        const limited = graphError(400, 613, "Calls to this api have exceeded the rate limit.");
        limited.headers.set("retry-after", "1");
        return limited;
      },
    ];
    const { calls } = mockGraph((call, i) => (answers[i] ?? graphOk)(call));
    const { conversationId } = await messengerThread(t);
    const seqs = [];
    for (const text of ["one", "two", "three"]) seqs.push(await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text })));

    const done = await deliveriesWhen(t, conversationId, (ds) => ds.length === 3 && ds.every((d) => d.status === "succeeded"));
    expect(done.map((d) => [d.seq, d.status, d.attempts])).toEqual([
      [seqs[0], "succeeded", 3],
      [seqs[1], "succeeded", 1],
      [seqs[2], "succeeded", 1],
    ]);
    // "two" and "three" waited behind "one": the person reads them in order.
    expect(calls.map(textOf)).toEqual(["one", "one", "one", "two", "three"]);
  });

  it("survive a reset Durable Object: the send cut off is made again, then the rest in order", { timeout: 60_000 }, async () => {
    const t = await channelTenant();
    let releaseHeld!: () => void;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    const { calls } = mockGraph(async (call, i) => {
      if (i === 0) await held;
      return graphOk(call);
    });
    const { conversationId } = await messengerThread(t);
    const first = await seqOf(await sendAs(t, conversationId, "agent", { type: "text", text: "held" }));
    await eventually(async () => calls.length, (n) => n === 1);
    expect(calls).toHaveLength(1);

    // The alarm is waiting on the platform: every object is reset now.
    await abortAllDurableObjects();
    releaseHeld();

    // The runtime runs the failed alarm again; the drain finds the send in flight and makes it again.
    const resent = await deliveriesWhen(t, conversationId, (ds) => ds[0]?.status === "succeeded");
    expect(resent[0]).toMatchObject({ seq: first, status: "succeeded", attempts: 2 });
    const second = await seqOf(await sendAs(t, conversationId, "agent", { type: "text", text: "after" }));
    const all = await deliveriesWhen(t, conversationId, (ds) => ds.length === 2 && ds[1]!.status === "succeeded");
    expect(all.map((d) => [d.seq, d.status])).toEqual([
      [first, "succeeded"],
      [second, "succeeded"],
    ]);
    expect(calls.map(textOf)).toEqual(["held", "held", "after"]);
  });

  it("never hold up the thread's webhooks while the platform fails", { timeout: 30_000 }, async () => {
    const t = await channelTenant();
    const endpoint = await addEndpoint(webhookTenant(t), ["message.created"]);
    // The platform is down for the next hour.
    const { calls } = mockGraph(() => new Response("down", { status: 503, headers: { "retry-after": "3600" } }));
    const { conversationId } = await messengerThread(t);
    await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "one" }));
    await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "two" }));

    const hooks = await receivedAtLeast(endpoint.bin, 3);
    expect(hooks.map((d) => d.json.data.content?.text)).toEqual(["hello", "one", "two"]);
    const channel = await deliveriesWhen(t, conversationId, (ds) => ds.length === 2 && ds[0]!.attempts === 1);
    expect(channel).toMatchObject([
      { status: "pending", attempts: 1, lastStatus: 503 },
      { status: "pending", attempts: 0 },
    ]);
    expect(calls.map(textOf)).toEqual(["one"]);
  });

  it("are not held up by a webhook endpoint that does not answer", { timeout: 30_000 }, async () => {
    const t = await channelTenant();
    const endpoint = await addEndpoint(webhookTenant(t), ["message.created"]);
    // The endpoint holds the first delivery (the customer's "hello") without answering.
    await plan(endpoint.bin, [{ status: 200, hold: true }]);
    const { calls } = mockGraph();
    const { conversationId } = await messengerThread(t);
    await receivedAtLeast(endpoint.bin, 1);
    await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "one" }));
    await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "two" }));

    const channel = await deliveriesWhen(t, conversationId, (ds) => ds.length === 2 && ds.every((d) => d.status === "succeeded"));
    expect(channel.map((d) => d.status)).toEqual(["succeeded", "succeeded"]);
    expect(calls.map(textOf)).toEqual(["one", "two"]);

    await release(endpoint.bin);
    await resetPlan(endpoint.bin);
    const hooks = await receivedAtLeast(endpoint.bin, 3);
    expect(hooks.map((d) => d.json.data.content?.text)).toEqual(["hello", "one", "two"]);
  });

  it("show the outbox delivery id, and refuse a retry of what already went", async () => {
    const t = await channelTenant();
    mockGraph();
    const { conversationId } = await messengerThread(t);
    const seq = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "done" }));
    const [delivery] = await deliveriesWhen(t, conversationId, (ds) => ds[0]?.status === "succeeded");
    expect((delivery as Delivery & { id: string }).id).toMatch(/^[a-z]+_/);
    const retry = await api(`/v1/conversations/${conversationId}/channel-deliveries/${seq}/retry`, { method: "POST", token: t.adminKey });
    expect(retry.status).toBe(404);
  });
});
