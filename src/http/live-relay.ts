// The Worker's end of a live connection: it holds the client's socket and
// relays frames to and from the Conversation DO's hibernatable socket.
//
// Why not hand the DO's socket straight to the client: a hibernatable socket
// that the DO closes from anywhere but its own event (sign-out arrives as an
// RPC) sends its close frame at once, but the runtime keeps the connection
// until the object is garbage-collected, so the client's `close` event came
// 2 s (Chromium) to 10 s (Node) late. Here the client's socket is an ordinary
// one: closing it from the DO's close event completes the handshake and ends
// the connection at once. The DO still hibernates; only this relay stays.
//
// Rechecked on workerd 1.20261023.1 (bench/BENCHMARKS.md, "The relay
// decision"): handed over directly, the socket still closes ~15 s late after a
// sign-out, whether closed in the RPC, a timer or alarm(); workerd releases a
// hibernatable socket's connection only when the pump that sent its close
// frame finishes *after* the peer's close arrived, which for a close the DO
// starts outside that socket's own message event it does not. Rechecked on
// workerd 1.20261117.1 (bench/BENCHMARKS.md, "Follow-up (branch perf-relay)"):
// the same; such a close is prompt only once the client has sent a frame on
// that socket. Unsendable client close frames would not need the relay: the
// DO gets them in webSocketClose and could answer 1002 there itself.
import { CloseCode } from "../protocol/wire";

/** Close codes an endpoint may put in a close frame (RFC 6455 §7.4.1, §7.4.2). */
export function sendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

const MAX_REASON_BYTES = 123;

function reasonFits(reason: string): boolean {
  return new TextEncoder().encode(reason).byteLength <= MAX_REASON_BYTES;
}

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
    if (e.code === 1005) {
      closeQuietly(server);
      closeQuietly(upstream);
    } else if (e.code === 1006) {
      // The client went away without a close frame: nothing to answer, tell the DO.
      closeQuietly(upstream, 1001, "client gone");
    } else if (sendableCloseCode(e.code) && reasonFits(e.reason)) {
      closeQuietly(server, e.code, e.reason);
      closeQuietly(upstream, e.code, e.reason);
    } else {
      closeQuietly(server, PROTOCOL_ERROR, "invalid close frame");
      closeQuietly(upstream, PROTOCOL_ERROR, "invalid close frame");
    }
  });
  server.addEventListener("error", () => {
    closeQuietly(server, PROTOCOL_ERROR, "protocol error");
    closeQuietly(upstream, 1001, "client gone");
  });
  return client;
}

/** RFC 6455 §7.4.1: the peer broke the protocol (here: a close frame that cannot be echoed). */
const PROTOCOL_ERROR = 1002;
