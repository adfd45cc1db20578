// GET /v1/conversations/:id/live — the WebSocket upgrade. The Worker proves
// who is calling (the `bearer.<token>` subprotocol) before anything reaches
// the Conversation DO, which then owns the socket (hibernation, replay, frames).
import { Hono } from "hono";
import { z } from "zod";
import { liveRequest, refusedSocket } from "../conversation/connections";
import { isConversationId } from "../ids";
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { BEARER_PREFIX, CloseCode, LIVE_PROTOCOL } from "../protocol/frames";
import { assertNotRevoked } from "../auth/revocation";
import { accessFromToken } from "./auth";
import { relayLive } from "./live-relay";
import type { AppEnv } from "./types";
import { queryOf } from "./validate";

const LiveQuery = z.object({
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
});

export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export function refuse(code: number, reason: string): Response {
  return refusedSocket(LIVE_PROTOCOL, code, reason);
}

export const live = new Hono<AppEnv>();

live.get("/:id/live", async (c) => {
  // Mistakes in the request itself are plain HTTP errors, before any upgrade.
  if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
    throw new ServiceError("invalid_request", "this route is a WebSocket: send Upgrade: websocket");
  }
  const offered = offeredProtocols(c.req.header("sec-websocket-protocol"));
  if (!offered.includes(LIVE_PROTOCOL)) {
    throw new ServiceError("invalid_request", `offer the subprotocol ${LIVE_PROTOCOL} (and ${BEARER_PREFIX}<token>)`, {
      errors: [{ path: "Sec-WebSocket-Protocol", message: `must include ${LIVE_PROTOCOL}` }],
    });
  }
  const { after } = queryOf(c, LiveQuery);

  // Credentials and access are answered as close codes, which a browser can read.
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
  // Session tokens are stateless for 15 minutes; a signed-out device is refused here, at once.
  try {
    await assertNotRevoked(c.env, access);
  } catch (err) {
    if (err instanceof ServiceError && err.code === "token_revoked") return refuse(CloseCode.revoked, "token_revoked");
    throw err;
  }
  const id = c.req.param("id");
  // Another person's thread and a thread that does not exist look the same.
  if (!isConversationId(id)) return refuse(CloseCode.forbidden, "not_found");
  if (access.kind === "business" && access.agent) {
    // Recorded before the socket opens, so a sign-out racing this upgrade still finds and closes it.
    const agent = c.env.AGENT.getByName(`${access.tenant}:${access.agent.id}`);
    if (!(await agent.trackSocket(access.agent.sessionId, `cnv:${id}`))) return refuse(CloseCode.revoked, "token_revoked");
  }
  const stub = c.env.CONVERSATION.getByName(`${access.tenant}:${id}`);
  const answer = await stub.fetch(liveRequest(access, after));
  if (answer.status === 404) return refuse(CloseCode.forbidden, "not_found");
  if (answer.status !== 101 || !answer.webSocket) throw new Error(`live upgrade answered ${answer.status}`);
  return new Response(null, {
    status: 101,
    webSocket: relayLive(answer.webSocket),
    headers: { "sec-websocket-protocol": LIVE_PROTOCOL },
  });
});
