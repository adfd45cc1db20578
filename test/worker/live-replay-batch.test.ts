// The batched replay (API.md "Live", `?replay=batch`): a socket that asks gets
// the log as `events` frames — the same events, in order, each once, as the
// caller may read them — then `ready` and ordinary live frames; a socket that
// does not ask still gets one `event` frame per event.
import { describe, expect, it } from "vitest";
import { call, ok } from "./business-helpers";
import { api, BOT_KEY, openConversation, openSession, uniqueUser } from "./helpers";
import { botSend, liveResponse, LiveClient, openLive, text, type EventFrame, type Frame } from "./live-helpers";

/** More than one batched frame's worth (REPLAY_FRAME_CHARS) and more than one replay page (REPLAY_PAGE). */
const SEEDED = 2_100;
const DURING = 40;

type WireEvent = EventFrame["event"] & Record<string, unknown>;

async function openBatched(conversationId: string, token: string, after = 0): Promise<LiveClient> {
  const res = await liveResponse(conversationId, ["carryover.v1", `bearer.${token}`], `?after=${after}&replay=batch`);
  if (res.status !== 101 || !res.webSocket) throw new Error(`live upgrade failed: ${res.status} ${await res.text()}`);
  return new LiveClient(res.webSocket);
}

/** The events a list of frames carries, `event` and `events` frames alike, in order. */
function eventsIn(frames: Frame[]): WireEvent[] {
  return frames.flatMap((f) => (f.type === "events" ? (f.events as WireEvent[]) : f.type === "event" ? [(f as EventFrame).event as WireEvent] : []));
}

async function log(conversationId: string, token: string): Promise<WireEvent[]> {
  const out: WireEvent[] = [];
  for (;;) {
    const page = await ok<{ events: WireEvent[]; hasMore: boolean }>(
      await call("GET", `/v1/conversations/${conversationId}/events?after=${out.at(-1)?.seq ?? 0}&limit=500`, token),
    );
    out.push(...page.events);
    if (!page.hasMore) return out;
  }
}

describe("batched live replay", () => {
  it("sends the log as events frames, exactly once while appends land, then ready and per-event live frames", { timeout: 90_000 }, async () => {
    const s = await openSession(uniqueUser("batch"));
    const id = await openConversation(s.sessionToken);
    for (let batch = 0; batch < SEEDED / 100; batch++) {
      const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => botSend(id, `seed-${batch * 100 + i}`, `seed ${batch * 100 + i}`)));
      expect(sent.every((r) => r.status === 201)).toBe(true);
    }

    const reader = await openBatched(id, s.sessionToken);
    const first = await reader.next();
    expect(first.type).toBe("events");
    // Appends while the replay runs: they arrive once, in the replay or after it.
    const during = await Promise.all(Array.from({ length: DURING }, (_, i) => botSend(id, `during-${i}`, `during ${i}`)));
    expect(during.every((r) => r.status === 201)).toBe(true);
    const total = SEEDED + DURING;
    await reader.until((f) => f.type === "ready");
    if (!eventsIn(reader.frames).some((e) => e.seq === total)) await reader.until((f) => eventsIn([f]).some((e) => e.seq === total));
    await reader.drain();

    const ready = reader.frames.findIndex((f) => f.type === "ready");
    const replay = reader.frames.slice(0, ready);
    expect(replay.every((f) => f.type === "events")).toBe(true);
    // Many events per frame, each frame well under the 1 MiB a WebSocket message may carry.
    expect(replay.length).toBeGreaterThan(1);
    expect(replay.length).toBeLessThan(SEEDED / 100);
    for (const raw of reader.raw.slice(0, ready)) expect(new TextEncoder().encode(raw).byteLength).toBeLessThan(1024 * 1024);
    // After ready, live events are ordinary event frames.
    expect(reader.frames.slice(ready + 1).every((f) => f.type === "event" || f.type === "pong")).toBe(true);
    expect(reader.frames[ready]!.cursor).toBe(eventsIn(replay).at(-1)!.seq);

    const seqs = eventsIn(reader.frames).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // The same events the log holds, member for member.
    expect(eventsIn(reader.frames)).toEqual(await log(id, s.sessionToken));
    expect((await botSend(id, "after-ready", "live")).status).toBe(201);
    const [live] = await reader.until((f) => f.type !== "pong");
    expect(live).toMatchObject({ type: "event", event: { seq: total + 1, clientId: "after-ready" } });
    reader.close();

    // A socket that does not ask still gets one event frame per event.
    const plain = await openLive(id, s.sessionToken, total - 4);
    const frames = await plain.until((f) => f.type === "ready");
    expect(frames.map((f) => f.type)).toEqual(["event", "event", "event", "event", "event", "ready"]);
    plain.close();
  });

  it("gives each caller its own view: a customer's batch leaves out what only the business reads", { timeout: 30_000 }, async () => {
    const s = await openSession(uniqueUser("batch-view"));
    const id = await openConversation(s.sessionToken);
    await botSend(id, "b-1", "hello");
    await ok(await call("PATCH", `/v1/conversations/${id}`, BOT_KEY, { labels: ["vip-secret"], status: "pending" }));
    await botSend(id, "b-2", "again");

    const customer = await openBatched(id, s.sessionToken);
    const business = await openBatched(id, BOT_KEY);
    const customerReplay = await customer.until((f) => f.type === "ready");
    const businessReplay = await business.until((f) => f.type === "ready");
    expect(eventsIn(customerReplay)).toEqual(await log(id, s.sessionToken));
    expect(eventsIn(businessReplay)).toEqual(await log(id, BOT_KEY));
    expect(eventsIn(businessReplay)[1]).toMatchObject({ type: "conversation.updated", changes: { labels: [[], ["vip-secret"]] } });
    expect(eventsIn(customerReplay)[1]).toMatchObject({ type: "conversation.updated", changes: { status: ["open", "pending"] } });
    expect(customer.raw.join("")).not.toContain("vip-secret");
    customer.close();
    business.close();
  });

  it("acks a send on a batched socket and passes the event on as one event frame", { timeout: 30_000 }, async () => {
    const s = await openSession(uniqueUser("batch-send"));
    const id = await openConversation(s.sessionToken);
    const a = await openBatched(id, s.sessionToken);
    const b = await openBatched(id, BOT_KEY);
    await a.until((f) => f.type === "ready");
    await b.until((f) => f.type === "ready");
    a.send({ type: "send", clientId: "c-1", content: text("hi") });
    const acked = await a.until((f) => f.type === "ack");
    expect(acked.at(-1)).toMatchObject({ clientId: "c-1", seq: 1 });
    const [frame] = await b.until((f) => f.type === "event");
    expect((frame as EventFrame).event).toMatchObject({ seq: 1, clientId: "c-1" });
    a.close();
    b.close();
  });

  it("refuses an unknown replay mode as a plain 400 before any upgrade", async () => {
    const s = await openSession(uniqueUser("batch-bad"));
    const id = await openConversation(s.sessionToken);
    const res = await liveResponse(id, ["carryover.v1", `bearer.${s.sessionToken}`], "?replay=pages");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_request" });
    // And the flag is checked only on the live route: the events route knows nothing of it.
    expect((await api(`/v1/conversations/${id}/events?replay=batch`, { token: s.sessionToken })).status).toBe(400);
  });
});
