// GET /v1/inbox/live — the inbox live feed (API.md "Directory and search"):
// a WebSocket on the tenant's InboxFeed hub that gets
// `{ "type": "conversation", "conversation": Row }` for every directory
// change of the tenant. Business callers only (agent session or API key).
import { agentStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import { hubName } from "../inbox-feed/names";
import { inboxSocketRequest } from "../protocol/socket-opening";
import { BEARER_PREFIX, CloseCode, LIVE_PROTOCOL } from "../protocol/wire";
import { liveAccessOf, refuse } from "./live";
import { describe, ROUTE_DOCS, undescribed } from "./route";
import type { AppEnv } from "./types";

export const inbox = new Hono<AppEnv>();

const feed = ROUTE_DOCS ? describe(`WebSocket (${LIVE_PROTOCOL}, ${BEARER_PREFIX}<agent session or API key>): a conversation frame for every directory change of the tenant`, [], {
  "101": "Switching protocols",
}) : undescribed;

inbox.get("/live", feed, async (c) => {
  const access = await liveAccessOf(c.env, c.req.header("upgrade"), c.req.header("sec-websocket-protocol"));
  if (access instanceof Response) return access;
  if (access.kind !== "business") return refuse(CloseCode.forbidden, "forbidden");
  const hub = hubName(access.tenant);
  if (access.agent) {
    const agent = agentStub(c.env, access.tenant, access.agent.id);
    if (!(await agent.trackSocket(access.agent.sessionId, `inbox:${hub}`))) return refuse(CloseCode.revoked, "token_revoked");
  }
  const answer = await c.env.INBOX.getByName(hub).fetch(inboxSocketRequest(access.tenant, access.agent?.sessionId ?? null));
  if (answer.status !== 101 || !answer.webSocket) throw new Error(`inbox upgrade answered ${answer.status}`);
  return new Response(null, { status: 101, webSocket: answer.webSocket, headers: { "sec-websocket-protocol": LIVE_PROTOCOL } });
});
