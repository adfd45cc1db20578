// Resume through the SDK against the real Worker: a server crash while events
// are produced leaves the client with exactly the server's log; a message
// acknowledged on the socket ends as its server event.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { botSend, matchesServerLog, sdkClient, serverLog, sleep, uniqueUser, waitFor, type ClientExtra } from "./sdk-helpers.ts";

const server = useLocalServer();

const client = (userId: string, storage = new MemoryStorage(), extra: ClientExtra = {}) => sdkClient(server().url, userId, storage, extra);

/** The bot's Send API, retried with the same clientId until the server answers (it may be down). */
async function botSendRetrying(conversationId: string, text: string, clientId: string): Promise<void> {
  for (;;) {
    try {
      await botSend(server().url, conversationId, text, clientId);
      return;
    } catch {
      await sleep(100);
    }
  }
}

describe("SDK resume", () => {
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
    const restarting = server().restart();
    h.send({ type: "text", text: "written while the server was down" });
    await restarting;
    await producing;

    await matchesServerLog(server().url, h);
    const log = await serverLog(server().url, h.id);
    expect(log.filter((e) => e.sender.role === "customer").map((e) => e.content?.text)).toEqual(["written while the server was down"]);
    expect(log.filter((e) => e.sender.role === "bot")).toHaveLength(24);
    expect(states).toContain("offline");
    await waitFor(() => h.connection === "live", "live again");
    c.close();
  });

  it("with an older server whose acks carry no event, fetches the event, even when that fails at first", async () => {
    // A server from before acks carried the committed event: strip it from every ack.
    class AckWithoutEvent extends WebSocket {
      override set onmessage(fn: ((ev: MessageEvent) => void) | null) {
        super.onmessage = fn
          ? (ev: MessageEvent) => {
              const frame = JSON.parse(String(ev.data)) as { type: string; event?: unknown };
              if (frame.type === "ack") delete frame.event;
              fn(new MessageEvent("message", { data: JSON.stringify(frame) }));
            }
          : null;
      }
      override get onmessage(): ((ev: MessageEvent) => void) | null {
        return super.onmessage;
      }
    }
    let failures = 0;
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (/\/events\?after=/.test(String(input)) && failures < 2) {
        failures++;
        throw new TypeError("fetch failed");
      }
      return fetch(input, init);
    }) as typeof fetch;
    const c = client(uniqueUser(), new MemoryStorage(), { fetch: flaky, WebSocket: AckWithoutEvent });
    const h = await c.conversation();
    await waitFor(() => h.connection === "live", "live");
    const item = h.send({ type: "text", text: "over the socket" });
    await matchesServerLog(server().url, h);
    expect(failures).toBe(2);
    expect(h.items.map((i) => i.event?.clientId)).toEqual([item.pending?.clientId]);
    c.close();
  });
});
