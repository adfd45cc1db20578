// Auth errors that say what to send instead: a route needing a role names the
// keys and agent sessions that would do; a Bearer token that is really an
// identity token or the ADMIN_TOKEN is told where it belongs (still 401).
import { describe, expect, it } from "vitest";
import { agentSession, agentToken } from "./business-helpers";
import { ADMIN_TOKEN, api, BOT_KEY, identityToken, json, uniqueUser } from "./helpers";

interface Problem {
  status: number;
  code: string;
  detail?: string;
}

async function problem(path: string, token: string): Promise<Problem> {
  return json<Problem>(await api(path, { token }));
}

describe("auth errors say what to send", () => {
  it("a route needing admin names admin keys and supervisor sessions, and what was sent", async () => {
    const byBot = await problem("/v1/webhook-endpoints", BOT_KEY);
    expect(byBot).toMatchObject({ status: 403, code: "forbidden" });
    expect(byBot.detail).toBe("this route needs an admin API key or a supervisor agent session; this request sent a bot API key");
    const agent = await agentSession(uniqueUser("hint-agent"));
    expect((await problem("/v1/webhook-endpoints", agent.sessionToken)).detail).toMatch(/supervisor agent session; this request sent an agent session$/);
    // What the message promises works.
    const supervisor = await agentSession(uniqueUser("hint-super"), { role: "supervisor" });
    expect((await api("/v1/webhook-endpoints", { token: supervisor.sessionToken })).status).toBe(200);
  });

  it("an identity token or the ADMIN_TOKEN as a Bearer token is told where it belongs", async () => {
    const identity = await problem("/v1/me/conversations", await identityToken(uniqueUser("hint")));
    expect(identity).toMatchObject({ status: 401, code: "invalid_token" });
    expect(identity.detail).toMatch(/identity token: exchange it at POST \/v1\/sessions first/);
    const agent = await problem("/v1/conversations", await agentToken(uniqueUser("hint")));
    expect(agent).toMatchObject({ status: 401, code: "invalid_token" });
    expect(agent.detail).toMatch(/exchange it at POST \/v1\/agent-sessions first/);
    const admin = await problem("/v1/me/conversations", ADMIN_TOKEN);
    expect(admin).toMatchObject({ status: 401, code: "invalid_token" });
    expect(admin.detail).toMatch(/ADMIN_TOKEN, which works only on \/v1\/admin/);
    expect(admin.detail).not.toContain(ADMIN_TOKEN);
    // Anything else keeps the plain answer.
    const other = await problem("/v1/me/conversations", "not-a-token-at-all");
    expect(other).toMatchObject({ status: 401, code: "invalid_token" });
    expect(other.detail).not.toMatch(/exchange|ADMIN_TOKEN/);
  });
});
