// Agent credentials: the agent identity token a business's SSO mints
// (aud "carryover:agent", the tenant's identity keys, API.md "Agents and
// agent sessions") and Carryover's own agent session token (HS256 with
// SESSION_SECRET, its own audience, so a customer session token never passes
// as an agent session token and the reverse).
import { decodeJwt, jwtVerify, type JWTPayload } from "jose";
import * as z from "../zod";
import type { Tenant } from "../directory/tenants";
import type { AgentAccess, BusinessAccess } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { cleanName } from "../protocol/names";
import { LONE_SURROGATE } from "../protocol/text";
import { verifyIdentityClaims, type VerifyOptions } from "./identity-token";
import { tokenError } from "./token-error";
import { hmacKeyOf, OWN_ISSUER, signOwnToken } from "./own-token";
import { SESSION_TTL_S } from "./session-token";

/** The `aud` of an agent identity token; a customer identity token has "carryover". */
export const AGENT_AUDIENCE = "carryover:agent";
/** The `aud` of Carryover's agent session tokens (customers' are "carryover:session"). */
export const AGENT_SESSION_AUDIENCE = "carryover:agent-session";

/** Who an agent identity token says the agent is. */
export interface AgentIdentity {
  id: string;
  name: string;
  role: "agent" | "supervisor";
  teams: string[];
}

/** Team names are shown and matched as given: Unicode text only (no lone surrogate). */
const Teams = z.array(z.string().check(z.minLength(1), z.maxLength(64), z.refine((team) => !LONE_SURROGATE.test(team)))).check(z.maxLength(20));
const AgentRole = z.enum(["agent", "supervisor"]);

/**
 * Verifies an agent identity token of `tenant` (HS256 secrets or JWKS, like
 * customer identity tokens) and reads its claims: `sub` agent id, `name`
 * (a string; absent or blank after cleaning, the id), `role` (default
 * "agent"), `teams` (≤ 20). Throws invalid_token (also for a `name` that is
 * not a string) / token_expired.
 */
export async function verifyAgentIdentity(token: string, tenant: Tenant, options: VerifyOptions = {}): Promise<AgentIdentity> {
  const payload = await verifyIdentityClaims(token, tenant, AGENT_AUDIENCE, options);
  const role = AgentRole.safeParse(payload.role ?? "agent");
  if (!role.success) throw new ServiceError("invalid_token", `agent identity token role must be "agent" or "supervisor"`);
  const teams = Teams.safeParse(payload.teams ?? []);
  if (!teams.success) throw new ServiceError("invalid_token", "agent identity token teams must be ≤ 20 names of 1..64 characters of Unicode text");
  if (payload.name !== undefined && typeof payload.name !== "string") throw new ServiceError("invalid_token", "agent identity token name must be a string");
  const id = payload.sub as string;
  // Customers read it next to the agent's words: cleaned like every display name (protocol/names.ts).
  const name = payload.name === undefined ? undefined : cleanName(payload.name);
  return { id, name: name ?? id, role: role.data, teams: teams.data };
}

/** Signs a 15-minute agent session token for `agent` in `tenant`. */
export async function signAgentSessionToken(
  key: Uint8Array,
  tenant: string,
  agent: AgentAccess,
  now = new Date(),
): Promise<{ token: string; expiresAt: string }> {
  const claims = { ten: tenant, sid: agent.sessionId, name: agent.name, rol: agent.role };
  return signOwnToken(key, { audience: AGENT_SESSION_AUDIENCE, subject: agent.id, claims, ttlS: SESSION_TTL_S }, now);
}

/** Whether a bearer token claims to be an agent session token (unverified: only picks the verifier). */
export function looksLikeAgentSession(token: string): boolean {
  try {
    const { aud } = decodeJwt(token);
    return aud === AGENT_SESSION_AUDIENCE || (Array.isArray(aud) && aud.includes(AGENT_SESSION_AUDIENCE));
  } catch {
    return false;
  }
}

/**
 * The business access an agent session token proves: role "agent", or
 * "admin" for a supervisor. Signature, issuer, audience and expiry checked;
 * whether the session was signed out is the caller's check (the Agent DO).
 */
export async function verifyAgentSessionToken(key: Uint8Array, token: string): Promise<BusinessAccess & { agent: AgentAccess }> {
  let payload: JWTPayload;
  try {
    payload = (await jwtVerify(token, await hmacKeyOf(key), {
      algorithms: ["HS256"],
      issuer: OWN_ISSUER,
      audience: AGENT_SESSION_AUDIENCE,
      requiredClaims: ["exp", "sub"],
    })).payload;
  } catch (err) {
    throw tokenError(err, "agent session token");
  }
  const { sub, ten, sid, name, rol } = payload;
  const role = AgentRole.safeParse(rol);
  if (typeof sub !== "string" || typeof ten !== "string" || typeof sid !== "string" || typeof name !== "string" || !role.success) {
    throw new ServiceError("invalid_token", "agent session token claims are incomplete");
  }
  const agent: AgentAccess = { id: sub, name, role: role.data, sessionId: sid };
  return { kind: "business", tenant: ten, role: role.data === "supervisor" ? "admin" : "agent", keyId: `agent:${sid}`, agent };
}
