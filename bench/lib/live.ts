// The live socket as a customer device opens it (API.md "Live"): Node's
// WebSocket, protocols `carryover.v1` + `bearer.<session token>`.

/**
 * `batch`: ask for the batched replay (`?replay=batch`, `events` frames);
 * `direct`: ask for a direct socket (`?direct=1`; the caller then sends a
 * frame on open). The SDK asks for both.
 */
export function liveUrl(baseUrl: string, conversationId: string, after: number, batch = false, direct = false): string {
  return `${baseUrl.replace(/^http/, "ws")}/v1/conversations/${conversationId}/live?after=${after}${batch ? "&replay=batch" : ""}${direct ? "&direct=1" : ""}`;
}

export function openLive(baseUrl: string, token: string, conversationId: string, after: number, batch = false, direct = false): WebSocket {
  return new WebSocket(liveUrl(baseUrl, conversationId, after, batch, direct), ["carryover.v1", `bearer.${token}`]);
}

/** Parses a server frame; null for anything that is not a JSON object with a string `type`. */
export function parseFrame(data: unknown): ({ type: string } & Record<string, unknown>) | null {
  if (typeof data !== "string") return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string") {
      return value as { type: string } & Record<string, unknown>;
    }
  } catch {
    // not JSON
  }
  return null;
}

/** Resolves once the socket is open; rejects when it closes or errs first, or after `timeoutMs`. */
export function opened(ws: WebSocket, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.OPEN) return resolve();
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error("socket did not open in time"));
    }, timeoutMs);
    const onOpen = () => {
      cleanup();
      resolve();
    };
    const onFail = (e: Event) => {
      cleanup();
      reject(new Error(`socket failed to open (${e.type}${"code" in e ? ` ${String((e as CloseEvent).code)}` : ""})`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      ws.removeEventListener("open", onOpen);
      ws.removeEventListener("error", onFail);
      ws.removeEventListener("close", onFail);
    };
    ws.addEventListener("open", onOpen);
    ws.addEventListener("error", onFail);
    ws.addEventListener("close", onFail);
  });
}

/** Whether the server has the live endpoint (the bench skips socket parts otherwise). */
export async function liveAvailable(baseUrl: string, token: string, conversationId: string): Promise<boolean> {
  const ws = openLive(baseUrl, token, conversationId, 0);
  try {
    await opened(ws, 5_000);
    return true;
  } catch {
    return false;
  } finally {
    ws.close();
  }
}
