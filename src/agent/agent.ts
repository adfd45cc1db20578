// The Agent Durable Object (one per tenant + agent, named `<tenant>:<agentId>`):
// the agent's sessions with hashed, rotating refresh tokens, and where each
// session has live sockets, so signing out closes them (4008) at once.
import { conversationStub } from "../directory/stubs";
import { DurableObject } from "cloudflare:workers";
import type { AgentIdentity } from "../auth/agent-token";
import type { Env } from "../env";
import { toResult, type Result } from "../protocol/result";
import { migrate } from "./schema";
import { AgentSessions } from "./sessions";

/** A socket target: a conversation (`cnv:<id>`) or the tenant's inbox feed hub (`inbox:<object name>`). */
export type SocketTarget = `cnv:${string}` | `inbox:${string}`;

export class Agent extends DurableObject<Env> {
  private readonly sessions: AgentSessions;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.sessions = new AgentSessions(ctx.storage.sql);
  }

  /** Signs the agent in (identity token verified by the Worker) as session `sessionId`. */
  async openSession(input: { tenant: string; sessionId: string; agent: AgentIdentity; refreshHash: string }): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO profile (key, value) VALUES ('tenant', ?)", input.tenant);
    this.sessions.open(input.sessionId, input.agent, input.refreshHash);
  }

  /** Rotates a session's refresh token; a reused one signs the session out and closes its sockets. */
  async refreshSession(input: { sessionId: string; presentedHash: string; nextHash: string }): Promise<Result<AgentIdentity>> {
    const result = await toResult(() => this.sessions.rotate(input.sessionId, input.presentedHash, input.nextHash));
    if (!result.ok && result.error.code === "token_revoked") await this.disconnect(input.sessionId);
    return result;
  }

  /** Whether a session token of this session is still honoured (asked on every agent call). */
  async sessionActive(sessionId: string): Promise<boolean> {
    return this.sessions.isActive(sessionId);
  }

  /** Records a live socket of the session (before it is opened), so sign-out reaches it. */
  async trackSocket(sessionId: string, target: SocketTarget): Promise<boolean> {
    if (!this.sessions.isActive(sessionId)) return false;
    this.sessions.track(sessionId, target);
    return true;
  }

  /** Signs the session out and closes its live sockets with 4008. */
  async signOut(sessionId: string): Promise<void> {
    this.sessions.revoke(sessionId);
    await this.disconnect(sessionId);
  }

  private async disconnect(sessionId: string): Promise<void> {
    const tenant = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM profile WHERE key = 'tenant'").toArray()[0]?.value;
    if (!tenant) return;
    const closing = this.sessions.takeTargets(sessionId).map((target) => {
      if (target.startsWith("inbox:")) return this.env.INBOX.getByName(target.slice(6)).disconnectAgentSession(sessionId);
      return conversationStub(this.env, tenant, target.slice(4)).disconnectAgentSession(sessionId);
    });
    for (const outcome of await Promise.allSettled(closing)) {
      if (outcome.status === "rejected") console.error("closing a signed-out agent's socket failed", outcome.reason);
    }
  }
}
