// What a recipient sees: the broadcast live on an open device, as a bot
// message with broadcastId and clientId "broadcast:<id>", in their unread
// count; reading past it moves the broadcast's `read` counter.
import { describe, expect, it } from "vitest";
import type { BroadcastView } from "../../src/broadcast/store";
import type { ThreadSummary } from "../../src/protocol/thread";
import { createBroadcast, getBroadcast, newTopic, waitFor } from "./broadcast-helpers";
import { api, eventually, json, openConversation, openSession, uniqueUser } from "./helpers";
import { openReady, type EventFrame } from "./live-helpers";

describe("broadcast delivery", () => {
  it("arrives live, counts as unread, and reads are counted", async () => {
    const topic = await newTopic();
    const alice = await openSession(uniqueUser("alice"));
    const bob = await openSession(uniqueUser("bob"));
    for (const s of [alice, bob]) await api(`/v1/me/subscriptions/${topic}`, { method: "PUT", token: s.sessionToken });
    // Alice has her thread open on a device; Bob has no thread yet (one is created for him).
    const aliceThread = await openConversation(alice.sessionToken);
    const live = await openReady(aliceThread, alice.sessionToken);

    const content = { type: "text", text: "New arrivals", quickReplies: [{ title: "Stop", payload: `carryover:unsubscribe:${topic}` }] };
    const { broadcast } = await json<{ broadcast: BroadcastView }>(await createBroadcast({ topic, content }));
    // The socket keeps what it receives: wait for the run first (a busy machine may take a while).
    await waitFor(broadcast.id, (b) => b.status === "completed");
    const [frame] = await live.until((f) => f.type === "event");
    const event = (frame as EventFrame).event as unknown as Record<string, unknown>;
    expect(event).toMatchObject({
      type: "message.created",
      sender: { role: "bot", id: "broadcast" },
      clientId: `broadcast:${broadcast.id}`,
      broadcastId: broadcast.id,
      content,
    });
    live.close();

    const threads = await eventually(
      async () => json<{ conversations: ThreadSummary[] }>(await api("/v1/me/conversations", { token: bob.sessionToken })),
      (r) => r.conversations[0]?.unread === 1,
    );
    const bobThread = threads.conversations[0]!;
    expect(bobThread.unread).toBe(1);
    expect(bobThread.lastEvent).toMatchObject({ broadcastId: broadcast.id });

    expect((await getBroadcast(broadcast.id)).read).toBe(0);
    await api(`/v1/conversations/${bobThread.id}/read`, { method: "POST", token: bob.sessionToken, json: { seq: bobThread.lastSeq } });
    const read = await waitFor(broadcast.id, (b) => b.read === 1, 10_000);
    expect(read).toMatchObject({ total: 2, delivered: 2, read: 1 });
  }, 60_000);
});
