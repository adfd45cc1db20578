// GET /v1/inbox/live — the inbox live feed (API.md "Directory and search"):
// a WebSocket on the tenant's InboxFeed hub that gets
// `{ "type": "conversation", "conversation": Row }` for every directory
// change of the tenant. Business callers only (agent session or API key).
import { Hono } from "hono";
import { hubName } from "../inbox-feed/names";
import { inboxSocketRequest } from "../inbox-feed/feed";
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { BEARER_PREFIX, CloseCode, LIVE_PROTOCOL } from "../protocol/frames";
import { accessFromToken } from "./auth";
import { offeredProtocols, refuse } from "./live";
import type { AppEnv } from "./types";

export const inbox = new Hono<AppEnv>();

inbox.get("/live", async (c) => {
  if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
    throw new ServiceError("invalid_request", "this route is a WebSocket: send Upgrade: websocket");
  }
  const offered = offeredProtocols(c.req.header("sec-websocket-protocol"));
  if (!offered.includes(LIVE_PROTOCOL)) {
    throw new ServiceError("invalid_request", `offer the subprotocol ${LIVE_PROTOCOL} (and ${BEARER_PREFIX}<token>)`, {
      errors: [{ path: "Sec-WebSocket-Protocol", message: `must include ${LIVE_PROTOCOL}` }],
    });
  }
  const token = offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
  if (!token) return refuse(CloseCode.invalidToken, "invalid_token");
  let access: Access;
  try {
    access = await accessFromToken(c.env, token);
  } catch (err) {
    if (err instanceof ServiceError && err.code === "token_revoked") return refuse(CloseCode.revoked, err.code);
    if (err instanceof ServiceError && err.status === 401) return refuse(CloseCode.invalidToken, err.code);
    throw err;
  }
  if (access.kind !== "business") return refuse(CloseCode.forbidden, "forbidden");
  const hub = hubName(access.tenant);
  if (access.agent) {
    const agent = c.env.AGENT.getByName(`${access.tenant}:${access.agent.id}`);
    if (!(await agent.trackSocket(access.agent.sessionId, `inbox:${hub}`))) return refuse(CloseCode.revoked, "token_revoked");
  }
  const answer = await c.env.INBOX.getByName(hub).fetch(inboxSocketRequest(access.tenant, access.agent?.sessionId ?? null));
  if (answer.status !== 101 || !answer.webSocket) throw new Error(`inbox upgrade answered ${answer.status}`);
  return new Response(null, { status: 101, webSocket: answer.webSocket, headers: { "sec-websocket-protocol": LIVE_PROTOCOL } });
});
