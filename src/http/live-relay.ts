// The Worker's end of a relayed live connection: it holds the client's
// socket and relays frames to and from the Conversation DO's hibernatable
// socket. Only clients that do not ask for a direct socket (`?direct=1`,
// API.md "Direct sockets") cross it; the SDK and the widget ask.
//
// Why a client that does not ask is relayed: a hibernatable socket that the
// DO closes from anywhere but that socket's own event (a sign-out arrives as
// an RPC) sends its close frame at once, but the runtime keeps the connection
// open ~15 s unless the client had sent at least one frame on that socket
// (workerd 1.20261023.1 and 1.20261117.1; bench/BENCHMARKS.md "Follow-up
// (branch perf-relay)"). A client may never speak (API.md does not ask it
// to), so its close must not depend on that: here the client's socket is an
// ordinary one, and closing it from the DO's close event completes the
// handshake and ends the connection at once. A client that promises a first
// frame (direct) needs none of this, and skips the relay's hop per frame
// (bench/BENCHMARKS.md, 2026-12-01 "Direct sockets").
// The DO still hibernates either way.
import { closeAnswer, PROTOCOL_ERROR, reasonFits, sendableCloseCode } from "../protocol/close-frame";
import { CloseCode } from "../protocol/wire";

function closeQuietly(ws: WebSocket, code?: number, reason?: string): void {
  try {
    if (code === undefined) ws.close();
    else ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/**
 * An accepted socket that is closed at once with `code`: the only way to
 * tell a browser why it is refused (a failed handshake shows no status).
 */
export function refusedSocket(protocol: string, code: number, reason: string): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client, headers: { "sec-websocket-protocol": protocol } });
}

/**
 * Accepts `upstream` (the DO's socket) and returns the client's end of a new
 * pair that relays text and binary frames both ways. A close on either side
 * closes the other with the same code; a client close frame that cannot be
 * echoed (a code no endpoint may send, a reason over 123 bytes) is answered
 * with 1002 (protocol error), as RFC 6455 §7.1.7 asks.
 */
export function relayLive(upstream: WebSocket): WebSocket {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  // Half-open: this relay answers the client's close frame itself, with a code it may send.
  server.accept({ allowHalfOpen: true });
  upstream.accept();
  server.addEventListener("message", (e) => {
    try {
      upstream.send(e.data as string | ArrayBuffer);
    } catch {
      closeQuietly(server, CloseCode.internal, "internal");
    }
  });
  upstream.addEventListener("message", (e) => {
    try {
      server.send(e.data as string | ArrayBuffer);
    } catch {
      closeQuietly(upstream, 1001, "client gone");
    }
  });
  upstream.addEventListener("close", (e) => {
    if (e.code === 1005) closeQuietly(server);
    else closeQuietly(server, sendableCloseCode(e.code) ? e.code : CloseCode.internal, reasonFits(e.reason) ? e.reason : "");
  });
  upstream.addEventListener("error", () => closeQuietly(server, CloseCode.internal, "internal"));
  server.addEventListener("close", (e) => {
    const answer = closeAnswer(e.code, e.reason, e.wasClean);
    if (answer === null) {
      // The client went away without a close frame: nothing to answer, tell the DO.
      closeQuietly(upstream, 1001, "client gone");
      return;
    }
    closeQuietly(server, answer.code, answer.reason);
    closeQuietly(upstream, answer.code, answer.reason);
  });
  server.addEventListener("error", () => {
    closeQuietly(server, PROTOCOL_ERROR, "protocol error");
    closeQuietly(upstream, 1001, "client gone");
  });
  return client;
}
