// Stalls through the SDK: a socket whose handshake never completes and an HTTP
// request that never answers are given up after their timeout and retried, so
// a dead mobile network cannot hang delivery or live updates.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { startServer, type LocalServer } from "../support/server.ts";
import { sdkClient, serverLog, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

let server: LocalServer;
let blackHole: Server;
let blackHolePort = 0;
const held: Socket[] = [];

beforeAll(async () => {
  server = await startServer();
  // Accepts TCP connections and never says a word: a handshake that hangs.
  blackHole = createServer((socket) => held.push(socket));
  await new Promise<void>((r) => blackHole.listen(0, "127.0.0.1", r));
  const address = blackHole.address();
  blackHolePort = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => blackHole?.close(r));
  await server?.stop();
});

const client = (userId: string, extra: ClientExtra = {}) => sdkClient(server.url, userId, new MemoryStorage(), extra);

describe("SDK stalls", () => {
  it("gives up a socket that never finishes its handshake and connects again", async () => {
    let sockets = 0;
    class FirstHangs extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(sockets++ === 0 ? `ws://127.0.0.1:${blackHolePort}/hang` : url, protocols);
      }
    }
    const c = client(uniqueUser(), { WebSocket: FirstHangs, connectTimeout: 300 });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live on the second socket");
    expect(sockets).toBe(2);
    expect(held.length).toBeGreaterThan(0);
    c.close();
  });

  it("gives up an HTTP send that never answers and delivers the message once", async () => {
    let hung = 0;
    const hangingOnce = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith("/messages") && hung === 0) {
        hung++;
        // Never answers; only the SDK's timeout ends it.
        return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
      }
      return fetch(input, init);
    }) as typeof fetch;
    // No socket: every send goes over HTTP.
    const refused = class extends WebSocket {
      constructor(_url: string | URL, protocols?: string | string[]) {
        super(`ws://127.0.0.1:9/closed`, protocols);
      }
    };
    const c = client(uniqueUser(), { fetch: hangingOnce, WebSocket: refused, requestTimeout: 300 });
    const h = await c.conversation();
    h.send({ type: "text", text: "through a stall" });
    await waitFor(() => h.items.length === 1 && !h.items[0]?.pending, "delivery");
    expect(hung).toBe(1);
    const log = await serverLog(server.url, h.id);
    expect(log.map((e) => e.content?.text)).toEqual(["through a stall"]);
    c.close();
  });
});
