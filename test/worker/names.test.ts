// Names that cannot spoof: bidi controls and invisible characters are
// stripped at the API, names are limited in code points (never half an
// emoji), and the role a client shows comes from sender.role.
import { describe, expect, it } from "vitest";
import { LONE_SURROGATE } from "../../src/protocol/text";
import { api, BOT_KEY, identityToken, json, openConversation, openSession, send, uniqueUser, type SessionAnswer } from "./helpers";
import { agentSession } from "./business-helpers";
import { problemOf } from "./identity-helpers";
import { openReady } from "./live-helpers";

interface Page {
  events: { sender: { role: string; name?: string } }[];
}

async function signIn(name: string): Promise<SessionAnswer> {
  const user = uniqueUser("name");
  return openSession(user, { identityToken: await identityToken(user, { name }) });
}

function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

describe("names", () => {
  it("an identity-token name with U+202E is stripped of it, in the session and on every message", async () => {
    const s = await signIn("\u202Eplehyreve ew nac woh");
    expect(s.user.name).toBe("plehyreve ew nac woh");
    const id = await openConversation(s.sessionToken);
    await send(s.sessionToken, id, "m1", "hi");
    const page = await json<Page>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(page.events[0]!.sender).toMatchObject({ role: "customer", name: "plehyreve ew nac woh" });
  });

  it("zero-width and other invisible characters are removed; a name of nothing visible is no name", async () => {
    expect((await signIn("S\u200Bam\u2066\u2069 \u200D\uFEFFLee\u00AD")).user.name).toBe("Sam Lee");
    expect((await signIn("\u200B\u200E\u202E")).user.name).toBeNull();
    // Blank-looking letters (Hangul fillers, Braille blank) and invisible tag characters.
    expect((await signIn("\u3164\u3164 \u2800 \uFFA0\u115F\u1160")).user.name).toBeNull();
    expect((await signIn("Ana\u{E0041}\u{E007F}")).user.name).toBe("Ana");
  });

  it("a long name is cut in code points, never in the middle of a surrogate pair", async () => {
    const s = await signIn("a" + "😀".repeat(200));
    const name = s.user.name!;
    expect(Array.from(name)).toHaveLength(64);
    expect(isWellFormed(name)).toBe(true);
  });

  it("a business sender.name is cleaned the same way; one with nothing visible is refused", async () => {
    const s = await signIn("Eve");
    const id = await openConversation(s.sessionToken);
    const post = (name: string, clientId: string) =>
      api(`/v1/conversations/${id}/messages`, {
        method: "POST",
        token: BOT_KEY,
        json: { clientId, sender: { role: "bot", id: "b", name }, content: { type: "text", text: "hello" } },
      });
    const ok = await post("Shop\u202E bot\u200B" + "x".repeat(100), "b1");
    expect(ok.status).toBe(201);
    const { event } = await json<{ event: { sender: { name: string } } }>(ok);
    expect(event.sender.name).toBe("Shop bot" + "x".repeat(56));
    expect(await problemOf(await post("\u202E\u200B", "b2"))).toMatchObject({ status: 400, code: "invalid_request" });
  });

  it("half a character (a lone surrogate) is no part of a name", async () => {
    const s = await signIn("Eve\ud83d \udc00Lee");
    expect(s.user.name).toBe("Eve Lee");
    const id = await openConversation(s.sessionToken);
    const business = await openReady(id, BOT_KEY);
    await send(s.sessionToken, id, "m1", "hi");
    const frames = await business.until((f) => f.type === "event");
    expect(frames.at(-1)).toMatchObject({ type: "event", event: { sender: { role: "customer", name: "Eve Lee" } } });
    // A user id cannot be cleaned without becoming another person's: refused.
    const user = `u-\ud800-${uniqueUser("x")}`;
    const refused = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await identityToken(user, { name: "X" }) } });
    expect(await problemOf(refused)).toMatchObject({ status: 401, code: "invalid_token" });
  });

  it("an agent's name is cleaned like a customer's: customers read it next to the agent's words", async () => {
    const agent = await agentSession(uniqueUser("agent"), { name: "\u202eSam\u200b \ud800Lee" });
    expect(agent.agent.name).toBe("Sam Lee");
    const nameless = await agentSession("sam-the-id", { name: "\u202e\u200b" });
    expect(nameless.agent.name).toBe("sam-the-id");
  });
});
