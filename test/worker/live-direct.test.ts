// Direct sockets (API.md "Direct sockets", `?direct=1`): the conversation's own
// hibernatable socket handed to the client, no relay in the Worker. The frames
// are the ones a relayed socket gets, byte for byte; a bad value of the flag is
// a plain 400 before any upgrade. The closing handshakes of both kinds are
// proven against a real `wrangler dev` in test/node/live-close.test.ts.
import { describe, expect, it } from "vitest";
import { openConversation, openSession, uniqueUser } from "./helpers";
import { botSend, liveResponse, LiveClient, text } from "./live-helpers";

async function open(conversationId: string, token: string, query: string): Promise<LiveClient> {
  const res = await liveResponse(conversationId, ["carryover.v1", `bearer.${token}`], query);
  if (res.status !== 101 || !res.webSocket) throw new Error(`live upgrade failed: ${res.status} ${await res.text()}`);
  expect(res.headers.get("sec-websocket-protocol")).toBe("carryover.v1");
  return new LiveClient(res.webSocket);
}

describe("direct live sockets", () => {
  it("carry the same frames as a relayed socket: replay, ready, events, acks, reads, pongs", async () => {
    const user = uniqueUser("direct");
    const s = await openSession(user);
    const other = await openSession(user);
    const id = await openConversation(s.sessionToken);
    expect((await botSend(id, "b-1", "hello")).status).toBe(201);

    const direct = await open(id, s.sessionToken, "?after=0&direct=1");
    const relayed = await open(id, other.sessionToken, "?after=0&direct=0");
    direct.send({ type: "ping" });
    const directOpening = await direct.until((f) => f.type === "ready");
    const relayedOpening = await relayed.until((f) => f.type === "ready");
    expect(directOpening.filter((f) => f.type !== "pong")).toEqual(relayedOpening);
    expect(directOpening.map((f) => f.type)).toContain("pong");

    // The direct socket sends; the relayed one receives the event, and the other way round.
    direct.send({ type: "send", clientId: "d-1", content: text("from the direct socket") });
    const [ack] = (await direct.until((f) => f.type === "ack")).slice(-1);
    const [event] = (await relayed.until((f) => f.type === "event")).slice(-1);
    expect(ack).toMatchObject({ clientId: "d-1", seq: 2 });
    expect(event).toMatchObject({ event: { seq: 2, clientId: "d-1", content: { type: "text", text: "from the direct socket" } } });

    relayed.send({ type: "send", clientId: "r-1", content: text("from the relayed socket") });
    await relayed.until((f) => f.type === "ack");
    const [back] = (await direct.until((f) => f.type === "event")).slice(-1);
    expect(back).toMatchObject({ event: { seq: 3, clientId: "r-1" } });

    // A sender has read its own message: the read that moves a cursor is of a later one.
    expect((await botSend(id, "b-2", "again")).status).toBe(201);
    await relayed.until((f) => f.type === "event");
    relayed.send({ type: "read", seq: 4 });
    const [read] = (await direct.until((f) => f.type === "read")).slice(-1);
    expect(read).toMatchObject({ type: "read", userId: user, deviceId: other.deviceId, seq: 4 });

    direct.close();
    relayed.close();
    expect(await direct.closed).toMatchObject({ code: 1000 });
    expect(await relayed.closed).toMatchObject({ code: 1000 });
  });

  it("refuses an unknown value of the flag as a plain 400 before any upgrade", async () => {
    const s = await openSession(uniqueUser("direct-bad"));
    const id = await openConversation(s.sessionToken);
    const res = await liveResponse(id, ["carryover.v1", `bearer.${s.sessionToken}`], "?direct=yes");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "invalid_request" });
  });
});
