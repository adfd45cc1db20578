// Agent sessions: agents sign in as themselves with an agent identity token
// (aud "carryover:agent", the tenant's HS256 secrets or JWKS), refresh with
// rotation and reuse detection, sign out with their sockets closed (4008).
// A customer token is never an agent token, and the reverse.
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { agentSession, agentToken, call, ok, postAgentSession } from "./business-helpers";
import { api, identityToken, json, openConversation, openSession, uniqueUser } from "./helpers";
import { createTenant, problemOf } from "./identity-helpers";
import { openReady, text } from "./live-helpers";

describe("agent sessions", () => {
  it("turn an agent identity token into a session that sends as the agent", async () => {
    const agentId = uniqueUser("agent");
    const res = await postAgentSession({ identityToken: await agentToken(agentId, { name: "Sam", teams: ["billing"] }) });
    expect(res.status).toBe(201);
    const s = await json<{ sessionToken: string; refreshToken: string; expiresAt: string; agent: unknown }>(res);
    expect(s.agent).toEqual({ id: agentId, name: "Sam", role: "agent", teams: ["billing"] });
    expect(s.refreshToken).toMatch(/^cat_/);

    const customer = await openSession(uniqueUser());
    const id = await openConversation(customer.sessionToken);
    const sent = await ok<{ event: { sender: unknown } }>(
      await call("POST", `/v1/conversations/${id}/messages`, s.sessionToken, { clientId: "a1", content: text("Hi, Sam here") }),
      201,
    );
    expect(sent.event.sender).toEqual({ role: "agent", id: agentId, name: "Sam" });

    const spoofed = await call("POST", `/v1/conversations/${id}/messages`, s.sessionToken, {
      clientId: "a2",
      content: text("as the bot"),
      sender: { role: "bot", id: "shopbot" },
    });
    expect(await problemOf(spoofed)).toMatchObject({ status: 400, code: "invalid_request" });
  });

  it("refuse a name claim that is not a string; without one (or a blank one) the agent is named by their id", async () => {
    for (const name of [123, ["Sam"], { first: "Sam" }, null]) {
      const res = await postAgentSession({ identityToken: await agentToken(uniqueUser("sam"), { claims: { name } }) });
      expect(await problemOf(res), JSON.stringify(name)).toMatchObject({ status: 401, code: "invalid_token" });
    }
    for (const name of [undefined, "", " \u200b "]) {
      const id = uniqueUser("sam");
      const s = await json<{ agent: { name: string } }>(await postAgentSession({ identityToken: await agentToken(id, { claims: { name } }) }));
      expect(s.agent.name).toBe(id);
    }
  });

  it("never accept a customer token as an agent token, nor the reverse", async () => {
    const who = uniqueUser("cross");
    // Identity tokens: the customer audience does not sign an agent in, the agent audience does not open a customer session.
    expect(await problemOf(await postAgentSession({ identityToken: await identityToken(who) }))).toMatchObject({ status: 401, code: "invalid_token" });
    const asCustomer = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await agentToken(who) } });
    expect(await problemOf(asCustomer)).toMatchObject({ status: 401, code: "invalid_token" });
    // Both audiences in one token: neither.
    const both = await agentToken(who, { aud: ["carryover", "carryover:agent"] });
    expect((await postAgentSession({ identityToken: both })).status).toBe(401);
    expect((await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: both } })).status).toBe(401);

    // Session tokens: an agent session is a business caller, a customer session is not.
    const agent = await agentSession(uniqueUser("agent"));
    const customer = await openSession(who);
    const id = await openConversation(customer.sessionToken);
    expect((await call("GET", "/v1/me/conversations", agent.sessionToken)).status).toBe(403);
    expect((await call("POST", "/v1/conversations", agent.sessionToken, {})).status).toBe(403);
    expect((await call("POST", `/v1/conversations/${id}/handover`, customer.sessionToken, { owner: "agent" })).status).toBe(403);
    expect((await call("DELETE", "/v1/agent-sessions/current", customer.sessionToken)).status).toBe(403);
    // Refresh tokens of one kind are not the other's.
    expect((await postAgentSession({ refreshToken: customer.refreshToken })).status).toBe(401);
    expect((await api("/v1/sessions", { method: "POST", json: { tenant: "demo", refreshToken: agent.refreshToken } })).status).toBe(401);
  });

  it("accept agent tokens signed with the tenant's JWKS, with role supervisor", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "sso-1" };
    const tenant = await createTenant({ identity: { issuer: "https://sso.example", jwks: { keys: [jwk] } } });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ name: "Sue", role: "supervisor" })
      .setProtectedHeader({ alg: "ES256", kid: "sso-1" })
      .setIssuer("https://sso.example")
      .setAudience("carryover:agent")
      .setSubject("sue")
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    const s = await ok<{ agent: { role: string } }>(await postAgentSession({ tenant: tenant.id, identityToken: token }), 201);
    expect(s.agent.role).toBe("supervisor");
    // A wrong role claim or a token living longer than an hour is refused.
    const badRole = await agentToken("x", { role: "owner" });
    expect((await postAgentSession({ identityToken: badRole })).status).toBe(401);
    // Another tenant's secret does not sign agents into the demo tenant.
    expect((await postAgentSession({ identityToken: await agentToken("x", { secret: tenant.secret }) })).status).toBe(401);
  });

  it("rotate refresh tokens: the same one twice at once gets one successor; a rotated one used later signs the session out", async () => {
    type Session = { sessionToken: string; refreshToken: string };
    const first = await agentSession(uniqueUser("agent"));
    // Two tabs (or a retry after a lost answer) refresh with the same token: as for customers, both succeed.
    const twice = await Promise.all([postAgentSession({ refreshToken: first.refreshToken }), postAgentSession({ refreshToken: first.refreshToken })]);
    const [second, same] = [await ok<Session>(twice[0]!, 201), await ok<Session>(twice[1]!, 201)];
    expect(same.refreshToken).toBe(second.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    for (const s of [second, same]) expect((await call("GET", "/v1/conversations?limit=1", s.sessionToken)).status).toBe(200);
    const third = await ok<Session>(await postAgentSession({ refreshToken: second.refreshToken }), 201);
    // `first` was rotated away twice: whoever presents it now holds a copy.
    const reused = await postAgentSession({ refreshToken: first.refreshToken });
    expect(await problemOf(reused)).toMatchObject({ status: 401, code: "token_revoked" });
    // The whole session is gone: the newest refresh token and the session token too, at once.
    expect((await postAgentSession({ refreshToken: third.refreshToken })).status).toBe(401);
    const customer = await openSession(uniqueUser());
    const id = await openConversation(customer.sessionToken);
    const after = await call("POST", `/v1/conversations/${id}/messages`, third.sessionToken, { clientId: "x", content: text("x") });
    expect(await problemOf(after)).toMatchObject({ status: 401, code: "token_revoked" });
  });

  it("sign out closes the agent's live sockets with 4008 and refuses the token at once", async () => {
    const agent = await agentSession(uniqueUser("agent"));
    const other = await agentSession(uniqueUser("agent"));
    const customer = await openSession(uniqueUser());
    const id = await openConversation(customer.sessionToken);
    const socket = await openReady(id, agent.sessionToken);
    const otherSocket = await openReady(id, other.sessionToken);

    expect((await call("DELETE", "/v1/agent-sessions/current", agent.sessionToken)).status).toBe(204);
    expect(await socket.closed).toEqual({ code: 4008, reason: "token_revoked" });
    const again = await call("POST", `/v1/conversations/${id}/messages`, agent.sessionToken, { clientId: "late", content: text("late") });
    expect(await problemOf(again)).toMatchObject({ status: 401, code: "token_revoked" });
    expect((await postAgentSession({ refreshToken: agent.refreshToken })).status).toBe(401);

    // The other agent's socket is untouched and sends as that agent.
    otherSocket.send({ type: "send", clientId: "still", content: text("still here") });
    const ack = await otherSocket.until((f) => f.type === "ack");
    expect(ack.at(-1)).toMatchObject({ event: { sender: { role: "agent", id: other.agent.id } } });
  });

  it("POST /demo/agent-token mints a demo agent token", async () => {
    const res = await api("/demo/agent-token", { method: "POST", json: { sub: "sam", name: "Sam", role: "supervisor" } });
    const { token } = await ok<{ token: string }>(res);
    const s = await ok<{ agent: unknown }>(await postAgentSession({ identityToken: token }), 201);
    expect(s.agent).toEqual({ id: "sam", name: "Sam", role: "supervisor", teams: [] });
    expect((await api("/demo/agent-token", { method: "POST", json: { sub: "" } })).status).toBe(400);
  });
});
