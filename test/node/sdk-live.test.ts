// Live updates through the SDK against the real Worker: events the moment
// they are committed, each announced once; typing both ways.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { ADMIN_KEY, BOT_KEY, botSend, matchesServerLog, sdkClient, texts, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

const server = useLocalServer();

const client = (userId: string, storage = new MemoryStorage(), extra: ClientExtra = {}) => sdkClient(server().url, userId, storage, extra);

describe("SDK live", () => {
  it("receives events as they happen, each announced once", async () => {
    const c = client(uniqueUser());
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const announced: number[] = [];
    h.on("event", (e) => announced.push(e.seq));
    await botSend(server().url, h.id, "hello from the bot");
    await botSend(server().url, h.id, "and again");
    await waitFor(() => h.items.length === 2, "both bot messages");
    expect(texts(h.items)).toEqual(["hello from the bot", "and again"]);
    expect(announced).toEqual([1, 2]);
    expect(h.unread).toBe(2);
    c.close();
    expect(h.connection).toBe("closed");
  });

  it("shows its own socket sends as the server's events straight from the ack, without fetching them", async () => {
    const requests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      requests.push(`${init?.method ?? "GET"} ${new URL(url).pathname}${new URL(url).search}`);
      return fetch(input, init);
    };
    const c = client(uniqueUser(), new MemoryStorage(), { fetch: counting });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const before = requests.length;
    for (const text of ["one", "two", "three"]) h.send({ type: "text", text });
    await waitFor(() => h.items.length === 3 && h.items.every((i) => !i.pending && i.event !== null), "three server events");
    expect(h.items.map((i) => i.seq)).toEqual([1, 2, 3]);
    expect(texts(h.items)).toEqual(["one", "two", "three"]);
    // Sent over the socket and shown from the acks: no message POSTs, no event GETs.
    expect(requests.slice(before).filter((r) => r.includes("/messages") || r.includes("/events"))).toEqual([]);
    c.close();
  });

  it("asks for the batched replay and announces each event of it once, as from per-event frames", async () => {
    const urls: string[] = [];
    const sent: unknown[] = [];
    const batches: number[] = [];
    let hold = false;
    const sockets = new Set<WebSocket>();
    class Recording extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        // Held: a port nobody listens on, so reconnects fail until released.
        super(hold ? "ws://127.0.0.1:9/held" : url, protocols);
        urls.push(String(url));
        sockets.add(this);
        const send = this.send.bind(this);
        this.send = (data) => {
          if (sent.length === 0) sent.push(JSON.parse(String(data)) as unknown);
          send(data);
        };
        this.addEventListener("message", (e) => {
          const frame = JSON.parse(String(e.data)) as { type: string; events?: unknown[] };
          if (frame.type === "events") batches.push(frame.events!.length);
        });
      }
    }
    // Catch-up over HTTP is cut off, so the missed events can only come from the socket's replay.
    const noHttpCatchUp: typeof fetch = (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (/\/events\?after=/.test(url)) return Promise.reject(new TypeError("fetch failed (blocked)"));
      return fetch(input, init);
    };
    const c = client(uniqueUser(), new MemoryStorage(), { WebSocket: Recording, fetch: noHttpCatchUp });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    expect(urls[0]).toMatch(/\/live\?after=0&replay=batch&direct=1$/);
    // A direct socket's promise (API.md "Direct sockets"): a frame as soon as it opens.
    expect(sent[0]).toEqual({ type: "ping" });
    const announced: number[] = [];
    h.on("event", (e) => announced.push(e.seq));
    await botSend(server().url, h.id, "before the drop");
    await waitFor(() => h.items.length === 1, "the first message");

    hold = true;
    for (const ws of sockets) ws.close();
    await waitFor(() => h.connection !== "live", "the drop");
    for (let i = 0; i < 30; i++) await botSend(server().url, h.id, `missed ${i}`);
    hold = false;
    await matchesServerLog(server().url, h);
    expect(announced).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(texts(h.items)).toEqual(["before the drop", ...Array.from({ length: 30 }, (_, i) => `missed ${i}`)]);
    // The 30 missed events came as batched frames, from the seq the client held.
    expect(batches.reduce((a, b) => a + b, 0)).toBe(30);
    expect(urls.at(-1)).toMatch(/\/live\?after=1&replay=batch&direct=1$/);
    c.close();
  });

  it("passes typing both ways: the customer's to the business, the agent's to the customer", async () => {
    const c = client(uniqueUser());
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const agentFrames: { type: string; state?: string; sender?: { role: string } }[] = [];
    const agent = new WebSocket(`${server().url.replace("http", "ws")}/v1/conversations/${h.id}/live`, ["carryover.v1", `bearer.${ADMIN_KEY}`]);
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
});
