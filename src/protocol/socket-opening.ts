// How the Worker hands a proven WebSocket upgrade to a Durable Object, stated
// once for both sides: the Worker builds the request (src/http/live.ts,
// src/http/inbox.ts), the object reads it back with the same schema
// (src/conversation/conversation.ts, src/inbox-feed/feed.ts). The identity
// rides in one header that only the Worker sets: a client's own headers never
// reach a Durable Object, because the Worker builds a fresh request.
import * as z from "../zod";
import { Access, accessCopy } from "./access";

/** One kind of socket opening: the Worker's request and the object's reading of it. */
export interface SocketOpening<T> {
  /** The Worker's request to the object's `fetch` that opens a socket for `opening`. */
  request(opening: T): Request;
  /** The opening the Worker proved, or null for any other request (no upgrade, no or a malformed header). */
  of(request: Request): T | null;
}

function socketOpening<T>(url: string, header: string, schema: z.ZodMiniType<T>): SocketOpening<T> {
  return {
    request: (opening) => new Request(url, { headers: { upgrade: "websocket", [header]: JSON.stringify(opening) } }),
    of: (request) => {
      if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return null;
      const raw = request.headers.get(header);
      if (!raw) return null;
      try {
        const parsed = schema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
  };
}

/** A thread's live socket (GET /v1/conversations/:id/live): who, the seq the replay starts after, whether it is batched. */
export const LiveOpening = z.strictObject({
  access: Access,
  after: z.number().check(z.int(), z.gte(0)),
  /** The client asked for a batched replay (`?replay=batch`). */
  batch: z.optional(z.boolean()),
});
export type LiveOpening = z.infer<typeof LiveOpening>;

const liveOpening = socketOpening("https://conversation.internal/live", "x-carryover-live", LiveOpening);

/** The Worker's request to the Conversation DO that opens a live socket for proven `access`. */
export function liveRequest(access: Access, after: number, batch = false): Request {
  return liveOpening.request({ access: accessCopy(access), after, ...(batch ? { batch } : {}) });
}

/** The live opening the Worker proved, or null for any other request. */
export const liveOpeningOf = liveOpening.of;

/**
 * An inbox feed socket (GET /v1/inbox/live) on the tenant's hub; also its
 * hibernation attachment. `agentSession` is null for an API key.
 */
export const InboxOpening = z.object({ tenant: z.string(), agentSession: z.nullable(z.string()) });
export type InboxOpening = z.infer<typeof InboxOpening>;

const inboxOpening = socketOpening("https://inbox.internal/live", "x-carryover-inbox", InboxOpening);

/** The Worker's request that opens an inbox socket on the hub, for proven business access. */
export function inboxSocketRequest(tenant: string, agentSession: string | null): Request {
  return inboxOpening.request({ tenant, agentSession });
}

/** The inbox opening the Worker proved, or null for any other request. */
export const inboxOpeningOf = inboxOpening.of;
