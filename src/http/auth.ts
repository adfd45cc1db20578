// Bearer authentication for the API: a tenant API key (ck_…), an agent
// session token (a business caller, like an agent-role key) or a customer
// session token. What was proven is put on the context as `access`.
import { agentStub } from "../directory/stubs";
import type { Context, MiddlewareHandler } from "hono";
import { looksLikeAgentSession, verifyAgentSessionToken } from "../auth/agent-token";
import { assertNotRevoked } from "../auth/revocation";
import { rememberedSession, verifyAndRememberSession } from "../auth/session-token-cache";
import { settingsOf } from "../env";
import { findApiKey } from "../directory/tenants";
import type { Access, BusinessAccess, CustomerAccess } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { misplacedTokenHint, roleNeeded } from "./token-hints";
import type { AppEnv } from "./types";

export function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

export async function accessFromToken(env: AppEnv["Bindings"], token: string): Promise<Access> {
  if (token.startsWith("ck_")) {
    const key = await findApiKey(env.DB, token);
    if (!key) throw new ServiceError("invalid_token", "unknown or revoked API key");
    return { kind: "business", tenant: key.tenant, role: key.role, keyId: key.id };
  }
  // A customer session token this isolate verified before and that has not expired: no HMAC, no sniff.
  const remembered = rememberedSession(settingsOf(env).sessionKey, token);
  if (remembered) return remembered;
  if (looksLikeAgentSession(token)) {
    const access = await verifyAgentSessionToken(settingsOf(env).sessionKey, token);
    // Signing out must stop the token at once, not when it expires: one question to the agent's object.
    const agent = agentStub(env, access.tenant, access.agent.id);
    if (!(await agent.sessionActive(access.agent.sessionId))) {
      throw new ServiceError("token_revoked", "this agent session has been signed out");
    }
    return access;
  }
  try {
    return await verifyAndRememberSession(settingsOf(env).sessionKey, token);
  } catch (err) {
    const hint = err instanceof ServiceError && err.code === "invalid_token" ? await misplacedTokenHint(token, settingsOf(env).adminToken) : null;
    throw hint ? new ServiceError("invalid_token", hint) : err;
  }
}

/**
 * Proves the caller (API key or session token) and refuses a session that
 * has been signed out (`token_revoked`).
 *
 * `revocation`: "here" (the default) asks the person's Customer DO. A request
 * that changes something waits for that check before its route runs; a read
 * (GET, HEAD) runs its route meanwhile and is answered only once the check
 * passed — a revoked session gets the 401 instead, never the data — so the
 * Customer DO's round trip and the route's overlap. "thread" is for routes
 * whose only work is one call to the thread's Conversation DO with this
 * access: that object refuses a signed-out session itself
 * (src/conversation/revoked-sessions.ts, told by the Customer DO before any
 * sign-out is answered), so the request makes one round trip instead of two.
 * A route registered with "thread" before a group's `use("*", authenticate())`
 * is proven once; the group's middleware then passes it on.
 */
export function authenticate(revocation: "here" | "thread" = "here"): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    if ((c.var.access as Access | undefined) !== undefined) return next();
    const token = bearerOf(c.req.header("authorization"));
    if (!token) throw new ServiceError("invalid_token", "send Authorization: Bearer <session token or API key>");
    const access = await accessFromToken(c.env, token);
    c.set("access", access);
    if (revocation === "thread") return next();
    const check = assertNotRevoked(c.env, access);
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      await check;
      return next();
    }
    // Handled below, after the route; until then a rejection is not unhandled.
    check.catch(() => undefined);
    try {
      await next();
    } finally {
      // Thrown here, a revocation replaces whatever the route answered (or threw).
      await check;
    }
  };
}

export function customerOf(c: Context<AppEnv>): CustomerAccess {
  const access = c.get("access");
  if (access.kind !== "customer") throw new ServiceError("forbidden", "this route is for customer sessions");
  return access;
}

/**
 * Middleware: businessOf as a step before the body is read, so a caller who
 * may not use the route gets 403 forbidden whatever it sent, never the
 * route's body rules (API.md "Business side": customer credentials get 403
 * on every route there). Put after authenticate(), before jsonBody(…).
 */
export function businessOnly(roles?: BusinessAccess["role"][]): MiddlewareHandler<AppEnv> {
  return async function businessOnly(c, next) {
    businessOf(c, roles);
    await next();
  };
}

export function businessOf(c: Context<AppEnv>, roles: BusinessAccess["role"][] = ["bot", "agent", "admin"]): BusinessAccess {
  const access = c.get("access");
  if (access.kind !== "business") throw new ServiceError("forbidden", "this route needs a tenant API key or an agent session");
  if (!roles.includes(access.role)) throw new ServiceError("forbidden", roleNeeded(roles, access));
  return access;
}
