// GET /v1/conversations/:id/live — the WebSocket upgrade. The Worker proves
// who is calling (the `bearer.<token>` subprotocol) before anything reaches
// the Conversation DO, which then owns the socket (hibernation, replay, frames).
import { agentStub, conversationStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import * as z from "../zod";
import { liveRequest } from "../protocol/socket-opening";
import { isConversationId } from "../ids";
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import { BEARER_PREFIX, CloseCode, DIRECT_QUERY, LIVE_PROTOCOL, REPLAY_BATCH_QUERY } from "../protocol/wire";
import { assertNotRevoked } from "../auth/revocation";
import { accessFromToken } from "./auth";
import { refusedSocket, relayLive } from "./live-relay";
import type { AppEnv } from "./types";
import { describe, onConversation, queryOf, ROUTE_DOCS, undescribed } from "./route";
import { decimalInt } from "./decimal-int";

const LiveQuery = z.object({
  after: z._default(decimalInt(0, Number.MAX_SAFE_INTEGER), 0),
  /** `batch`: the replay as `events` frames (API.md "Live"); absent or `event`: one frame per event. */
  [REPLAY_BATCH_QUERY.name]: z.optional(z.enum(["event", REPLAY_BATCH_QUERY.value])),
  /** `1`: a direct socket, for a client that sends a frame on open (API.md "Direct sockets"); absent or `0`: relayed. */
  [DIRECT_QUERY.name]: z.optional(z.enum(["0", DIRECT_QUERY.value])),
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

/**
 * The opening both live routes share (a thread's and the inbox feed): a
 * request that is no WebSocket upgrade offering `carryover.v1` is a plain
 * HTTP 400 (ServiceError thrown); then the `bearer.<token>` subprotocol is
 * proven, and credential failures are answered as close codes a browser can
 * read (4001 invalid or expired, 4008 revoked — a signed-out device at once).
 * @returns the caller's access, or the refusal Response to send as it is.
 */
export async function liveAccessOf(
  env: AppEnv["Bindings"],
  upgrade: string | undefined,
  protocols: string | undefined,
  /** "thread": the Conversation DO the socket opens in checks revocation itself (see authenticate()). */
  revocation: "here" | "thread" = "here",
): Promise<Access | Response> {
  if ((upgrade ?? "").toLowerCase() !== "websocket") {
    throw new ServiceError("invalid_request", "this route is a WebSocket: send Upgrade: websocket");
  }
  const offered = offeredProtocols(protocols);
  if (!offered.includes(LIVE_PROTOCOL)) {
    throw new ServiceError("invalid_request", `offer the subprotocol ${LIVE_PROTOCOL} (and ${BEARER_PREFIX}<token>)`, {
      errors: [{ path: "Sec-WebSocket-Protocol", message: `must include ${LIVE_PROTOCOL}` }],
    });
  }
  const token = offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
  if (!token) return refuse(CloseCode.invalidToken, "invalid_token");
  try {
    const access = await accessFromToken(env, token);
    // Session tokens are stateless for 15 minutes; a signed-out device is refused at once: here, or by the thread it opens in.
    if (revocation === "here") await assertNotRevoked(env, access);
    return access;
  } catch (err) {
    if (err instanceof ServiceError && err.code === "token_revoked") return refuse(CloseCode.revoked, err.code);
    if (err instanceof ServiceError && err.status === 401) return refuse(CloseCode.invalidToken, err.code);
    throw err;
  }
}

const socket = ROUTE_DOCS ? describe(
  `WebSocket: Sec-WebSocket-Protocol ${LIVE_PROTOCOL}, ${BEARER_PREFIX}<token>; replay after \`after\`, then ready, then live frames`,
  [],
  { "101": "Switching protocols" },
  onConversation,
) : undescribed;

// Mistakes in the request itself (the query) are plain HTTP errors, before any upgrade;
// credentials and access are answered as close codes, which a browser can read.
live.get("/:id/live", socket, queryOf(LiveQuery), async (c) => {
  const { after, [REPLAY_BATCH_QUERY.name]: replay, [DIRECT_QUERY.name]: direct } = c.req.valid("query");
  const opened = await liveAccessOf(c.env, c.req.header("upgrade"), c.req.header("sec-websocket-protocol"), "thread");
  if (opened instanceof Response) return opened;
  const access = opened;
  const id = c.req.param("id");
  // Another person's thread and a thread that does not exist look the same.
  if (!isConversationId(id)) return refuse(CloseCode.forbidden, "not_found");
  if (access.kind === "business" && access.agent) {
    // Recorded before the socket opens, so a sign-out racing this upgrade still finds and closes it.
    const agent = agentStub(c.env, access.tenant, access.agent.id);
    if (!(await agent.trackSocket(access.agent.sessionId, `cnv:${id}`))) return refuse(CloseCode.revoked, "token_revoked");
  }
  const stub = conversationStub(c.env, access.tenant, id);
  const answer = await stub.fetch(liveRequest(access, after, replay === REPLAY_BATCH_QUERY.value));
  if (answer.status === 404) return refuse(CloseCode.forbidden, "not_found");
  // The thread refused a signed-out session (src/conversation/revoked-sessions.ts).
  if (answer.status === 401) return refuse(CloseCode.revoked, "token_revoked");
  if (answer.status !== 101 || !answer.webSocket) throw new Error(`live upgrade answered ${answer.status}`);
  return new Response(null, {
    status: 101,
    // A direct socket is the thread's own (its close frames answered there); any other crosses the relay.
    webSocket: direct === DIRECT_QUERY.value ? answer.webSocket : relayLive(answer.webSocket),
    headers: { "sec-websocket-protocol": LIVE_PROTOCOL },
  });
});
