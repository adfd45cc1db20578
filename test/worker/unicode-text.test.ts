// Every string Carryover takes is Unicode text. JSON can spell half a
// character (a lone surrogate, "\ud800"); stored, it would go out to every
// socket, page and webhook of the thread as a "\ud800" escape, which strict
// JSON parsers refuse (RFC 8259 §8.2: unpredictable). So any string or key of
// a request body or client frame with one is refused with its path.
import { describe, expect, it } from "vitest";
import { LONE_SURROGATE } from "../../src/protocol/text";
import { api, BOT_KEY, json, openConversation, openSession, send, uniqueUser } from "./helpers";
import { agentToken, postAgentSession } from "./business-helpers";
import { openReady, text } from "./live-helpers";

const NOT_UNICODE = /must be Unicode text/;

/** Whether every string in JSON `text` is Unicode text (no lone surrogate once decoded). */
function wellFormedJson(text: string): boolean {
  let ok = true;
  JSON.parse(text, (key, value: unknown) => {
    for (const s of [key, value]) if (typeof s === "string" && LONE_SURROGATE.test(s)) ok = false;
    return value;
  });
  return ok;
}

describe("strings are Unicode text", () => {
  it("a lone surrogate in any string or key of a request body is 400 with its path, and nothing is stored", async () => {
    const s = await openSession(uniqueUser("uni"));
    const id = await openConversation(s.sessionToken);
    const cases: [string, Record<string, unknown>, string][] = [
      [`/v1/conversations/${id}/messages`, { clientId: "c\ud800", content: text("hi") }, "clientId"],
      [`/v1/conversations/${id}/handover`, { owner: "agent", reason: "vip \udc00" }, "reason"],
      [`/v1/conversations/${id}/handover`, { owner: "agent", metadata: { nested: [{ ["k\ud83d"]: 1 }] } }, "metadata.nested.0.k\ufffd"], // the bad key named with U+FFFD in its place
      [`/v1/conversations/${id}/handover`, { owner: "agent", metadata: { note: ["ok", "cut \ud83d"] } }, "metadata.note.1"],
    ];
    for (const [path, body, at] of cases) {
      const token = path.endsWith("/messages") ? s.sessionToken : BOT_KEY;
      const res = await api(path, { method: "POST", token, json: body });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await json(res)).toMatchObject({ code: "invalid_request", errors: [{ path: at, message: expect.stringMatching(NOT_UNICODE) }] });
    }
    const events = await json<{ events: unknown[] }>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(events.events).toEqual([]);
    // A bad key is named with U+FFFD in its place: the error holds no half character either.
    const badKey = await api(`/v1/conversations/${id}/messages`, { method: "POST", token: s.sessionToken, json: { clientId: "k", content: { type: "text", text: "ab", ["\udc00"]: 1 } } });
    const problemText = await badKey.text();
    expect(badKey.status).toBe(400);
    expect(wellFormedJson(problemText)).toBe(true);
    expect(JSON.parse(problemText)).toMatchObject({ errors: [{ path: "content.\ufffd" }] });
    // A whole emoji (both halves, escaped or not) is text.
    expect((await send(s.sessionToken, id, "c-\ud83d\ude00", "fine \ud83d\ude00")).status).toBe(201);
  });

  it("a client frame with one gets an error frame, the socket stays up, and the thread's other sockets never see it", async () => {
    const s = await openSession(uniqueUser("uni"));
    const id = await openConversation(s.sessionToken);
    const business = await openReady(id, BOT_KEY);
    const customer = await openReady(id, s.sessionToken);
    customer.send(JSON.stringify({ type: "send", clientId: "bad\ud800", content: text("hello") }));
    const [error] = await customer.until((f) => f.type === "error");
    expect(error).toMatchObject({ type: "error", code: "invalid_request", message: expect.stringMatching(NOT_UNICODE) });
    // The bad clientId is not echoed: the error frame would carry half a character itself.
    expect(error).not.toHaveProperty("clientId");
    // An unknown key is named in zod's message: with U+FFFD in its place.
    customer.send(JSON.stringify({ type: "ping", ["\ud800"]: 1 }));
    const [keyError] = await customer.until((f) => f.type === "error");
    expect(wellFormedJson(JSON.stringify(keyError))).toBe(true);
    customer.send(JSON.stringify({ type: "send", clientId: "good", content: text("hello again") }));
    const acked = await customer.until((f) => f.type === "ack");
    expect(acked.at(-1)).toMatchObject({ type: "ack", clientId: "good", seq: 1 });
    const seen = await business.until((f) => f.type === "event");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: "event", event: { seq: 1, clientId: "good" } });
  });

  it("an agent identity token's team names are Unicode text too", async () => {
    const res = await postAgentSession({ identityToken: await agentToken(uniqueUser("agent"), { teams: ["sup\ud800"] }) });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ code: "invalid_token" });
  });
});
