// What customer credentials read of the business's state changes: status and
// owner kind, never which agent (ownerAgent, previousOwner.agentId, a
// business sender's id), the assignee, labels or handover metadata — over
// HTTP, live frames (fan-out and replay) and the thread list.
import { describe, expect, it } from "vitest";
import { agentSession, call, ok } from "./business-helpers";
import { BOT_KEY, eventually, openConversation, openSession, uniqueUser } from "./helpers";
import { myThreads } from "./identity-helpers";
import { openReady, type Frame } from "./live-helpers";

interface StateEvent {
  seq: number;
  type: string;
  status: string;
  owner: string;
  sender: { role: string; id: string; name?: string };
  changes?: Record<string, unknown>;
  previousOwner?: Record<string, unknown>;
}

describe("customers' view of conversation.updated", { timeout: 30_000 }, () => {
  it("carries no agent id, assignee, label or metadata anywhere a customer reads", async () => {
    const s = await openSession(uniqueUser("view"));
    const id = await openConversation(s.sessionToken);
    const sam = await agentSession(uniqueUser("staff-sam"), { name: "Sam" });
    const agentId = sam.agent.id;
    const phone = await openReady(id, s.sessionToken);

    // 1. An API key hands the thread to Sam by id, with metadata.
    await ok(await call("POST", `/v1/conversations/${id}/handover`, BOT_KEY, { owner: "agent", agentId, reason: "asked for a person", metadata: { summary: "secret-summary" } }));
    // 2. Sam changes only assignee and labels.
    await ok(await call("PATCH", `/v1/conversations/${id}`, sam.sessionToken, { assignee: agentId, labels: ["vip-secret"] }));
    // 3. Sam sets the status.
    await ok(await call("PATCH", `/v1/conversations/${id}`, sam.sessionToken, { status: "pending" }));
    // 4. The key hands it back to the bot.
    await ok(await call("POST", `/v1/conversations/${id}/handover`, BOT_KEY, { owner: "bot" }));

    const business = await ok<{ events: StateEvent[] }>(await call("GET", `/v1/conversations/${id}/events`, BOT_KEY));
    // The business still reads everything.
    expect(business.events[0]).toMatchObject({ changes: { ownerAgent: [null, agentId] } });
    expect(business.events[3]).toMatchObject({ previousOwner: { owner: "agent", agentId } });

    const log = await ok<{ events: StateEvent[] }>(await call("GET", `/v1/conversations/${id}/events`, s.sessionToken));
    expect(log.events.map((e) => [e.seq, e.type, e.status, e.owner])).toEqual([
      [1, "conversation.updated", "open", "agent"],
      [2, "conversation.updated", "open", "agent"],
      [3, "conversation.updated", "pending", "agent"],
      [4, "conversation.updated", "pending", "bot"],
    ]);
    const [taken, labelled, pending, returned] = log.events;
    expect(taken!.previousOwner).toEqual({ owner: "bot" });
    expect(taken!.changes).toEqual({ owner: ["bot", "agent"], ownerEpoch: [0, 1] });
    expect(taken!.sender).toEqual({ role: "agent", id: "agent" });
    // Assignee and labels only: an empty notice that keeps the customer's log gap-free.
    expect(labelled).not.toHaveProperty("changes");
    expect(labelled!.sender).toEqual({ role: "agent", id: "agent", name: "Sam" });
    expect(pending!.changes).toEqual({ status: ["open", "pending"] });
    expect(returned!.previousOwner).toEqual({ owner: "agent" });

    const leaks = (text: string) => {
      for (const secret of [agentId, "vip-secret", "assignee", "labels", "ownerAgent", "agentId", "secret-summary", "metadata"]) {
        expect(text, secret).not.toContain(secret);
      }
    };
    leaks(JSON.stringify(log));

    // Live: the fan-out frames, and a replay from the start, read the same.
    const seen: Frame[] = [];
    while (seen.length < 4) {
      const frame = await phone.next();
      if (frame.type === "event") seen.push(frame);
    }
    expect(seen.map((f) => f.event)).toEqual(log.events);
    leaks(phone.raw.join(""));
    const replay = await openReady(id, s.sessionToken, 0);
    const replayed = replay.frames.filter((f) => f.type === "event");
    expect(replayed.map((f) => f.event)).toEqual(log.events);
    leaks(replay.raw.join(""));
    phone.ws.close();
    replay.ws.close();

    // The thread list's last event.
    const list = await eventually(() => myThreads(s.sessionToken), (t) => t[0]?.lastSeq === 4);
    expect(list[0]!.lastEvent).toMatchObject({ seq: 4, previousOwner: { owner: "agent" } });
    leaks(JSON.stringify(list));
  });
});
