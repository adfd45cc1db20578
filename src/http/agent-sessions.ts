// Agent sessions (API.md "Agents and agent sessions"): POST /v1/agent-sessions
// turns an agent identity token (aud "carryover:agent") or a refresh token
// into a session; DELETE /v1/agent-sessions/current signs it out and closes
// its live sockets (4008).
import { agentStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { signAgentSessionToken, verifyAgentIdentity, type AgentIdentity } from "../auth/agent-token";
import { mintOpaqueToken, openOpaqueToken, successorToken, tokenHash } from "../auth/opaque-token";
import type { Tenant } from "../directory/tenants";
import { settingsOf } from "../env";
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import { unwrap } from "../protocol/result";
import { authenticate, businessOf } from "./auth";
import { sessionTenant } from "./rate-limit";
import type { AppEnv } from "./types";
import { describe, jsonBody, ROUTE_DOCS, undescribed } from "./route";
import { CloseCode } from "../protocol/wire";

const Token = z.string().check(z.minLength(1), z.maxLength(8192));

export const AgentSessionRequest = z
  .strictObject({ tenant: z.string().check(z.minLength(1), z.maxLength(64)), identityToken: z.optional(Token), refreshToken: z.optional(Token) })
  .check(
    z.refine((b) => (b.identityToken === undefined) !== (b.refreshToken === undefined), {
      message: "give identityToken or refreshToken (one of them)",
      path: ["identityToken"],
    }),
  );

/** The answer of POST /v1/agent-sessions. */
export interface AgentSessionAnswer {
  sessionToken: string;
  expiresAt: string;
  refreshToken: string;
  agent: { id: string; name: string; role: "agent" | "supervisor"; teams: string[] };
}

function agentObject(c: Context<AppEnv>, tenant: string, agentId: string) {
  return agentStub(c.env, tenant, agentId);
}

async function answer(c: Context<AppEnv>, tenant: Tenant, agent: AgentIdentity, sessionId: string, refreshToken: string): Promise<Response> {
  const session = await signAgentSessionToken(settingsOf(c.env).sessionKey, tenant.id, {
    id: agent.id,
    name: agent.name,
    role: agent.role,
    sessionId,
  });
  const body: AgentSessionAnswer = {
    sessionToken: session.token,
    expiresAt: session.expiresAt,
    refreshToken,
    agent: { id: agent.id, name: agent.name, role: agent.role, teams: agent.teams },
  };
  return c.json(body, 201, { "cache-control": "no-store" });
}

export const agentSessions = new Hono<AppEnv>();

const signIn = ROUTE_DOCS ? describe("Sign an agent in (agent identity token, aud carryover:agent) or refresh (the refresh token rotates)", [], { "201": "The agent session" }) : undescribed;

agentSessions.post("/", signIn, jsonBody(AgentSessionRequest), async (c) => {
  const body = c.req.valid("json");
  const tenant = await sessionTenant(c, body.tenant, undefined);
  const key = settingsOf(c.env).sessionKey;
  if (body.identityToken !== undefined) {
    const agent = await verifyAgentIdentity(body.identityToken, tenant);
    const sessionId = newId("ags");
    // The refresh token names its session (sealed), so a refresh finds it without a lookup table.
    const refreshToken = await mintOpaqueToken(key, "agent-refresh", { tenant: tenant.id, userId: agent.id, deviceId: sessionId });
    await agentObject(c, tenant.id, agent.id).openSession({ tenant: tenant.id, sessionId, agent, refreshHash: await tokenHash(refreshToken) });
    return answer(c, tenant, agent, sessionId, refreshToken);
  }
  const locator = await openOpaqueToken(key, "agent-refresh", body.refreshToken!);
  if (locator.tenant !== tenant.id || !locator.deviceId) throw new ServiceError("invalid_token", "refresh token was issued for another tenant");
  // Derived, not random: the same token presented twice within the grace window gets the same successor.
  const next = await successorToken(key, body.refreshToken!, locator, "agent-refresh");
  const agent = unwrap(
    await agentObject(c, tenant.id, locator.userId).refreshSession({
      sessionId: locator.deviceId,
      presentedHash: await tokenHash(body.refreshToken!),
      nextHash: await tokenHash(next),
    }),
  );
  return answer(c, tenant, agent, locator.deviceId, next);
});

agentSessions.delete("/current", ROUTE_DOCS ? describe(`Sign this agent session out; its live sockets close with ${CloseCode.revoked}`, ["agentSession"], { "204": "Signed out" }) : undescribed, authenticate(), async (c) => {
  const access = businessOf(c);
  if (!access.agent) throw new ServiceError("forbidden", "this route is for agent sessions");
  await agentObject(c, access.tenant, access.agent.id).signOut(access.agent.sessionId);
  return c.body(null, 204);
});
