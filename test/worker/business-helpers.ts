// Helpers for the business-side tests: agent identity tokens signed like a
// tenant's SSO would, agent sessions, and calls with a bearer token.
import { SignJWT } from "jose";
import { api, DEMO_SECRET, json } from "./helpers";

export interface AgentSession {
  sessionToken: string;
  refreshToken: string;
  expiresAt: string;
  agent: { id: string; name: string; role: string; teams: string[] };
}

/** An agent identity token (aud "carryover:agent") signed with a tenant's HS256 secret. */
export async function agentToken(
  sub: string,
  /** `claims` are set last (undefined removes one, e.g. `{ name: undefined }`). */
  opts: { secret?: string; iss?: string; aud?: string | string[]; name?: string; role?: string; teams?: string[]; claims?: Record<string, unknown> } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { name: opts.name ?? `Agent ${sub}`, ...opts.claims };
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  if (opts.role) claims.role = opts.role;
  if (opts.teams) claims.teams = opts.teams;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(opts.iss ?? "demo")
    .setAudience(opts.aud ?? "carryover:agent")
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(opts.secret ?? DEMO_SECRET));
}

export function postAgentSession(body: Record<string, unknown>): Promise<Response> {
  return api("/v1/agent-sessions", { method: "POST", json: { tenant: "demo", ...body } });
}

/** Signs `sub` in as an agent of the demo tenant (or `tenant` with its `secret`). */
export async function agentSession(sub: string, opts: { tenant?: string; secret?: string; role?: string; name?: string } = {}): Promise<AgentSession> {
  const token = await agentToken(sub, {
    ...(opts.secret ? { secret: opts.secret } : {}),
    iss: opts.tenant ?? "demo",
    ...(opts.role ? { role: opts.role } : {}),
    ...(opts.name ? { name: opts.name } : {}),
  });
  const res = await api("/v1/agent-sessions", { method: "POST", json: { tenant: opts.tenant ?? "demo", identityToken: token } });
  if (res.status !== 201) throw new Error(`agent session failed: ${res.status} ${await res.text()}`);
  return json<AgentSession>(res);
}

export function call(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return api(path, { method, token, ...(body !== undefined ? { json: body } : {}) });
}

export async function ok<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return json<T>(res);
}
