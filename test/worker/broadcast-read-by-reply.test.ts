// Writing in a thread reads it up to one's own message: a reply to a broadcast
// counts the broadcast as read, as moving the read cursor does
// (broadcast-delivery.test.ts) — also when the thread's object skips the
// broadcast-read query for appends that pass no broadcast (EventStore.mayHoldBroadcasts).
import { describe, expect, it } from "vitest";
import type { BroadcastView } from "../../src/broadcast/store";
import type { ThreadSummary } from "../../src/protocol/thread";
import { createBroadcast, getBroadcast, newTopic, waitFor } from "./broadcast-helpers";
import { api, eventually, json, openSession, send, uniqueUser } from "./helpers";

describe("broadcast reads by reply", () => {
  it("counts a broadcast as read when the recipient writes after it, once", async () => {
    const topic = await newTopic();
    const carol = await openSession(uniqueUser("carol"));
    await api(`/v1/me/subscriptions/${topic}`, { method: "PUT", token: carol.sessionToken });
    const { broadcast } = await json<{ broadcast: BroadcastView }>(await createBroadcast({ topic, content: { type: "text", text: "Sale" } }));
    await waitFor(broadcast.id, (b) => b.status === "completed");
    const threads = await eventually(
      async () => json<{ conversations: ThreadSummary[] }>(await api("/v1/me/conversations", { token: carol.sessionToken })),
      (r) => r.conversations[0]?.unread === 1,
    );
    const thread = threads.conversations[0]!.id;
    expect((await getBroadcast(broadcast.id)).read).toBe(0);

    expect((await send(carol.sessionToken, thread, "r1", "what is on sale?")).status).toBe(201);
    expect(await waitFor(broadcast.id, (b) => b.read === 1, 10_000)).toMatchObject({ read: 1 });
    // Further messages pass no new broadcast: the counter stays.
    expect((await send(carol.sessionToken, thread, "r2", "thanks")).status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    expect((await getBroadcast(broadcast.id)).read).toBe(1);
  }, 60_000);
});
