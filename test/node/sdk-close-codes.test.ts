// Live close codes through the SDK: 4001 → refresh the session once and
// reconnect; a second 4001, 4003 and 4008 stop reconnecting (4008 signs out).
// The sockets are real; the injected WebSocket closes them the way the server would.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { refusingWebSocket, sdkClient, sleep, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

const server = useLocalServer();

const client = (userId: string, storage = new MemoryStorage(), extra: ClientExtra = {}) => sdkClient(server().url, userId, storage, extra);

describe("SDK live close codes", () => {
  it("refreshes the session once after close 4001 and reconnects with the new token", async () => {
    const steps: string[] = [];
    const issued: string[] = [];
    const refused = refusingWebSocket(4001, "token_expired", (i) => i === 0);
    class Recorded extends refused.WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        steps.push("socket");
      }
    }
    const recording = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (String(input).endsWith("/v1/sessions") && init?.method === "POST") {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        steps.push("refreshToken" in body ? "refresh" : "identity");
        issued.push(((await res.clone().json()) as { sessionToken: string }).sessionToken);
      }
      return res;
    }) as typeof fetch;
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: Recorded, fetch: recording });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live after the refresh");
    expect(steps).toEqual(["identity", "socket", "refresh", "socket"]);
    expect(refused.seen.bearers).toEqual([issued[0], issued[1]]);
    c.close();
  });

  it("stops for good when 4001 comes again right after a refresh", async () => {
    const refused = refusingWebSocket(4001, "invalid_token");
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: refused.WebSocket });
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    const h = await c.conversation();
    await waitFor(() => h.connection === "closed", "closed");
    await sleep(600);
    expect(refused.seen.sockets).toBe(2);
    expect(errors).toEqual(["invalid_token"]);
    // Sending still works over HTTP.
    h.send({ type: "text", text: "over http" });
    await waitFor(() => h.items.length === 1 && !h.items[0]?.pending, "delivered over HTTP");
    c.close();
  });

  it("stops for good on close 4003 and keeps the session", async () => {
    const refused = refusingWebSocket(4003, "not_found");
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: refused.WebSocket });
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    const h = await c.conversation();
    await waitFor(() => h.connection === "closed", "closed");
    await sleep(600);
    expect(refused.seen.sockets).toBe(1);
    expect(errors).toEqual(["forbidden"]);
    expect(c.user).not.toBeNull();
    c.close();
  });

  it("treats close 4008 as signed out: forgets the credentials and never reconnects", async () => {
    const refused = refusingWebSocket(4008, "token_revoked");
    const storage = new MemoryStorage();
    const c = client(uniqueUser(), storage, { WebSocket: refused.WebSocket });
    const sessions: unknown[] = [];
    const errors: string[] = [];
    c.on("session", (u) => sessions.push(u));
    c.on("error", (e) => errors.push(e.code));
    const h = await c.conversation();
    await waitFor(() => c.user === null, "signed out");
    expect(sessions.at(-1)).toBeNull();
    expect(errors).toEqual(["token_revoked"]);
    expect(storage.get("carryover:demo:session")).toBeNull();
    await sleep(600);
    expect(refused.seen.sockets).toBe(1);
    expect(h.connection).not.toBe("live");
    // No silent new session: the app has to sign in again.
    await expect(c.conversations()).rejects.toMatchObject({ code: "signed_out" });
    c.close();
  });

  it("reconnects after any other close code", async () => {
    const refused = refusingWebSocket(1011, "internal", (i) => i < 3);
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: refused.WebSocket });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live after three refusals");
    expect(refused.seen.sockets).toBe(4);
    c.close();
  });
});
