// Live updates through the SDK against the real Worker: events as they
// happen, resume without gaps across a server crash, the 4001 refresh-once
// rule, read cursors and unread counts across devices.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, MemoryStorage, type CarryoverClient, type ConversationHandle } from "../../src/client/index.ts";
import { startServer, type LocalServer } from "../support/server.ts";
import { BOT_KEY, botSend, identityProvider, serverLog, texts, uniqueUser, waitFor } from "./sdk-helpers.ts";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

function client(userId: string, storage = new MemoryStorage(), extra: Partial<Parameters<typeof createClient>[0]> = {}): CarryoverClient {
  return createClient({
    baseUrl: server.url,
    tenant: "demo",
    storage,
    identityToken: identityProvider(userId).provider,
    minReconnectDelay: 50,
    maxReconnectDelay: 500,
    ...extra,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bot's Send API, retried with the same clientId until the server answers (it may be down). */
async function botSendRetrying(conversationId: string, text: string, clientId: string): Promise<void> {
  for (;;) {
    try {
      await botSend(server.url, conversationId, text, clientId);
      return;
    } catch {
      await sleep(100);
    }
  }
}

async function matchesServerLog(h: ConversationHandle): Promise<void> {
  const log = await serverLog(server.url, h.id);
  await waitFor(() => h.lastSeq === log.at(-1)?.seq && h.items.every((i) => !i.pending), "the client to catch up");
  expect(h.items.map((i) => [i.seq, i.event?.id])).toEqual(log.map((e) => [e.seq, e.id]));
}

describe("SDK live", () => {
  it("receives events as they happen, each announced once", async () => {
    const c = client(uniqueUser());
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const announced: number[] = [];
    h.on("event", (e) => announced.push(e.seq));
    await botSend(server.url, h.id, "hello from the bot");
    await botSend(server.url, h.id, "and again");
    await waitFor(() => h.items.length === 2, "both bot messages");
    expect(texts(h.items)).toEqual(["hello from the bot", "and again"]);
    expect(announced).toEqual([1, 2]);
    expect(h.unread).toBe(2);
    c.close();
    expect(h.connection).toBe("closed");
  });

  it("resumes after a server crash without gaps or duplicates, and delivers what was sent meanwhile", async () => {
    const c = client(uniqueUser());
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const states: string[] = [];
    h.on("change", () => {
      if (states.at(-1) !== h.connection) states.push(h.connection);
    });

    const producing = (async () => {
      for (let i = 0; i < 24; i++) {
        await botSendRetrying(h.id, `bot ${i}`, `resume-${i}`);
        await sleep(20);
      }
    })();
    await waitFor(() => h.lastSeq >= 5, "the first events live");
    const restarting = server.restart();
    h.send({ type: "text", text: "written while the server was down" });
    await restarting;
    await producing;

    await matchesServerLog(h);
    const log = await serverLog(server.url, h.id);
    expect(log.filter((e) => e.sender.role === "customer").map((e) => e.content?.text)).toEqual(["written while the server was down"]);
    expect(log.filter((e) => e.sender.role === "bot")).toHaveLength(24);
    expect(states).toContain("offline");
    await waitFor(() => h.connection === "live", "live again");
    c.close();
  });

  it("replaces a message acknowledged on the socket by its event, even when fetching that event fails at first", async () => {
    let failures = 0;
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      // The socket acks the sender instead of echoing its event; the SDK fetches it.
      if (/\/events\?after=/.test(String(input)) && failures < 2) {
        failures++;
        throw new TypeError("fetch failed");
      }
      return fetch(input, init);
    }) as typeof fetch;
    const c = client(uniqueUser(), new MemoryStorage(), { fetch: flaky });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const item = h.send({ type: "text", text: "over the socket" });
    await matchesServerLog(h);
    expect(failures).toBe(2);
    expect(h.items.map((i) => i.event?.clientId)).toEqual([item.pending?.clientId]);
    c.close();
  });

  it("refreshes the session once after close 4001 and reconnects with the new token", async () => {
    const offered: string[] = [];
    let refusals = 0;
    class FirstRefused extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const bearer = [protocols ?? []].flat().find((p) => p.startsWith("bearer.")) ?? "";
        offered.push(bearer);
        if (offered.length === 1) {
          // What the server does with an expired token: accept, then close 4001.
          refusals++;
          this.addEventListener("open", () => this.close(4001, "token_expired"));
        }
      }
    }
    const sessionBodies: Record<string, unknown>[] = [];
    const recording = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith("/v1/sessions")) sessionBodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
      return fetch(input, init);
    }) as typeof fetch;
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: FirstRefused, fetch: recording });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live after the refresh");
    expect(refusals).toBe(1);
    expect(offered).toHaveLength(2);
    expect(offered[1]).not.toBe(offered[0]);
    // One identity session at connect, then the refresh the 4001 asked for.
    expect(sessionBodies).toHaveLength(2);
    expect(sessionBodies[1]).toHaveProperty("refreshToken");
    c.close();
  });

  it("stops for good when 4001 comes again right after a refresh", async () => {
    let sockets = 0;
    class AlwaysRefused extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
        this.addEventListener("open", () => this.close(4001, "invalid_token"));
      }
    }
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: AlwaysRefused });
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    const h = await c.conversation();
    await waitFor(() => h.connection === "closed", "closed");
    await sleep(600);
    expect(sockets).toBe(2);
    expect(errors).toEqual(["invalid_token"]);
    // Sending still works over HTTP.
    h.send({ type: "text", text: "over http" });
    await waitFor(() => h.items.length === 1 && !h.items[0]?.pending, "delivered over HTTP");
    c.close();
  });

  it("stops for good on close 4003 and keeps the session", async () => {
    let sockets = 0;
    class Forbidden extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
        this.addEventListener("open", () => this.close(4003, "not_found"));
      }
    }
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: Forbidden });
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.code));
    const h = await c.conversation();
    await waitFor(() => h.connection === "closed", "closed");
    await sleep(600);
    expect(sockets).toBe(1);
    expect(errors).toEqual(["forbidden"]);
    expect(c.user).not.toBeNull();
    c.close();
  });

  it("treats close 4008 as signed out: forgets the credentials and never reconnects", async () => {
    let sockets = 0;
    class Revoked extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
        this.addEventListener("open", () => this.close(4008, "token_revoked"));
      }
    }
    const storage = new MemoryStorage();
    const c = client(uniqueUser(), storage, { WebSocket: Revoked });
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
    expect(sockets).toBe(1);
    expect(h.connection).not.toBe("live");
    // No silent new session: the app has to sign in again.
    await expect(c.conversations()).rejects.toMatchObject({ code: "signed_out" });
    c.close();
  });

  it("shares read cursors across the person's devices and keeps unread counts", async () => {
    const userId = uniqueUser();
    const phone = client(userId);
    const laptop = client(userId);
    const onPhone = await phone.conversation();
    const onLaptop = await laptop.conversation();
    expect(onLaptop.id).toBe(onPhone.id);
    await waitFor(() => onPhone.connection === "live" && onLaptop.connection === "live", "both live");
    await botSend(server.url, onPhone.id, "one");
    await botSend(server.url, onPhone.id, "two");
    await waitFor(() => onPhone.unread === 2 && onLaptop.unread === 2, "two unread on both");
    const receipts: { deviceId: string; seq: number }[] = [];
    onLaptop.on("read", (r) => receipts.push(r));
    onPhone.markRead();
    expect(onPhone.unread).toBe(0);
    await waitFor(() => onLaptop.unread === 0, "the laptop to learn of the read");
    expect(receipts).toContainEqual({ userId, deviceId: phone.deviceId, seq: 2 });
    phone.close();
    laptop.close();
  });

  it("passes typing both ways: the customer's to the business, the agent's to the customer", async () => {
    const c = client(uniqueUser());
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const agentFrames: { type: string; state?: string; sender?: { role: string } }[] = [];
    const agent = new WebSocket(`${server.url.replace("http", "ws")}/v1/conversations/${h.id}/live`, ["carryover.v1", `bearer.${BOT_KEY}`]);
    agent.addEventListener("message", (e) => agentFrames.push(JSON.parse(String(e.data)) as (typeof agentFrames)[number]));
    await waitFor(() => agentFrames.some((f) => f.type === "ready"), "the agent socket");

    const seen: { role: string; state: string }[] = [];
    h.on("typing", (t) => seen.push({ role: t.sender.role, state: t.state }));
    h.typing(true);
    await waitFor(() => agentFrames.some((f) => f.type === "typing" && f.state === "on" && f.sender?.role === "customer"), "customer typing");
    h.typing(false);
    await waitFor(() => agentFrames.some((f) => f.type === "typing" && f.state === "off"), "customer stopped");

    agent.send(JSON.stringify({ type: "typing", state: "on", sender: { role: "agent", id: "agent-1", name: "Sam" } }));
    await waitFor(() => seen.some((t) => t.role === "agent" && t.state === "on"), "agent typing on the customer's device");
    agent.close();
    c.close();
  });

  it("shows what a reload of another device finds: the same log, by history paging", async () => {
    const userId = uniqueUser();
    const first = client(userId);
    const h = await first.conversation();
    for (let i = 0; i < 7; i++) await botSend(server.url, h.id, `page ${i}`);
    await waitFor(() => h.lastSeq === 7, "seven events");
    first.close();
    const second = client(userId, new MemoryStorage(), { pageSize: 3 });
    const again = await second.conversation({ id: h.id });
    expect(texts(again.items)).toEqual(["page 4", "page 5", "page 6"]);
    expect(again.hasOlder).toBe(true);
    expect(await again.loadOlder(3)).toBe(true);
    expect(await again.loadOlder(3)).toBe(true);
    expect(again.hasOlder).toBe(false);
    expect(texts(again.items)).toEqual(["page 0", "page 1", "page 2", "page 3", "page 4", "page 5", "page 6"]);
    expect(await again.loadOlder()).toBe(false);
    second.close();
  });
});
