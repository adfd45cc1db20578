// Friendlier answers for a Bearer token that is not a session token or API
// key at all: the two tokens people paste by mistake are an identity token
// (which must be exchanged first) and the operator's ADMIN_TOKEN (admin API
// only). The answer stays 401 invalid_token; only the detail says what to send.
import { decodeJwt } from "jose";
import { AGENT_AUDIENCE } from "../auth/agent-token";
import { IDENTITY_AUDIENCE } from "../auth/identity-token";
import { sameSecret } from "../crypto/same-secret";
import type { BusinessAccess } from "../protocol/access";

function audiences(token: string): string[] {
  try {
    const { aud } = decodeJwt(token);
    return typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  } catch {
    return [];
  }
}

/**
 * What to send instead when `token` (refused as a session token) is an
 * identity token or the ADMIN_TOKEN (`adminToken`, unset when the admin API is
 * off); null when it is neither. Never echoes any part of the token.
 */
export async function misplacedTokenHint(token: string, adminToken: string | null): Promise<string | null> {
  if (adminToken && (await sameSecret(token, adminToken))) {
    return "this is the ADMIN_TOKEN, which works only on /v1/admin/*: send a tenant API key (ck_…) or a session token here";
  }
  const aud = audiences(token);
  if (aud.includes(IDENTITY_AUDIENCE)) {
    return "this looks like an identity token: exchange it at POST /v1/sessions first and send the sessionToken it returns";
  }
  if (aud.includes(AGENT_AUDIENCE)) {
    return "this looks like an agent identity token: exchange it at POST /v1/agent-sessions first and send the sessionToken it returns";
  }
  return null;
}

/**
 * The 403 detail when a business caller lacks the role a route needs: which
 * API key roles, or which agent sessions, would do, and what was sent.
 */
export function roleNeeded(roles: readonly BusinessAccess["role"][], access: BusinessAccess): string {
  const keys = roles.join(" or ");
  const article = /^[aeiou]/.test(keys) ? "an" : "a";
  const sessions = roles.includes("agent") ? "an agent session" : roles.includes("admin") ? "a supervisor agent session" : null;
  const sent = access.agent ? (access.role === "admin" ? "a supervisor agent session" : "an agent session") : `${/^[aeiou]/.test(access.role) ? "an" : "a"} ${access.role} API key`;
  return `this route needs ${article} ${keys} API key${sessions ? ` or ${sessions}` : ""}; this request sent ${sent}`;
}
