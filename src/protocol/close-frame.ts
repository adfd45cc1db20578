// What an endpoint may put in a close frame, and how it answers the peer's
// (RFC 6455 §5.5.1, §7.1.5, §7.4). Shared by the Worker's relay
// (src/http/live-relay.ts) and the objects that answer the close frames of
// their own sockets: the Conversation DO (direct sockets, API.md "Direct
// sockets") and the inbox hub (src/inbox-feed/feed.ts).

/** RFC 6455 §7.4.1: the peer broke the protocol (here: a close frame that cannot be echoed). */
export const PROTOCOL_ERROR = 1002;

/** The longest close reason, in UTF-8 bytes (RFC 6455 §5.5: 125 bytes of control payload, 2 of them the code). */
const MAX_REASON_BYTES = 123;

/** Close codes an endpoint may put in a close frame (RFC 6455 §7.4.1, §7.4.2). */
export function sendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Whether `reason` fits a close frame (at most 123 UTF-8 bytes). */
export function reasonFits(reason: string): boolean {
  return new TextEncoder().encode(reason).byteLength <= MAX_REASON_BYTES;
}

/**
 * The close frame that answers a peer's close with `code` and `reason`
 * (`clean`: the runtime's wasClean, false when no close frame came):
 * - null when the connection ended without a close frame (1006, not clean): nothing to answer;
 * - `{}` (a close frame without a code) for 1005, a close frame that had none;
 * - the same code and reason when both may be sent (the echo of §5.5.1);
 * - 1002 "invalid close frame" otherwise: a code no endpoint may send (a
 *   close frame that carries 1006 among them), a reason over 123 bytes (§7.1.7).
 */
export function closeAnswer(code: number, reason: string, clean = true): { code?: number; reason?: string } | null {
  if (code === 1006 && !clean) return null;
  if (code === 1005) return {};
  if (sendableCloseCode(code) && reasonFits(reason)) return { code, reason };
  return { code: PROTOCOL_ERROR, reason: "invalid close frame" };
}

/**
 * Answers the close of a socket its object owns (a direct live socket, an
 * inbox socket; the runtime's webSocketClose) with closeAnswer's frame. A
 * socket the runtime already closed is left as it is.
 */
export function answerClose(ws: WebSocket, code: number, reason: string, clean: boolean): void {
  const answer = closeAnswer(code, reason, clean);
  try {
    if (answer === null || answer.code === undefined) ws.close();
    else ws.close(answer.code, answer.reason);
  } catch {
    // Already closed by the runtime.
  }
}
