// Local development (DEV_SEED): the demo tenant's Messenger channel points at
// the /demo/messenger simulator, which records send-API calls; the demo
// pane's messages go through the real, signed webhook path.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, BOT_KEY, api, eventually, json } from "./helpers";
import { interceptFetch, uniquePsid } from "./channel-helpers";

const ADMIN_KEY = "ck_demo_admin_change_me_0123456789abcdef";

/** The simulator lives on this server: let the Worker's own calls to it reach it, as they do under `wrangler dev`. */
function loopback(): void {
  interceptFetch((request) => (request.url.startsWith(`${BASE}/`) ? exports.default.fetch(request) : undefined));
}

async function pane(body: Record<string, unknown>): Promise<void> {
  const res = await api("/demo/messenger/send", { method: "POST", json: body });
  expect(res.status).toBe(202);
}

async function threadOf(psid: string): Promise<string> {
  const answer = await eventually(
    async () => json<{ conversationId: string | null }>(await api(`/demo/messenger/thread?psid=${psid}`)),
    (t) => t.conversationId !== null,
  );
  if (!answer.conversationId) throw new Error("no thread");
  return answer.conversationId;
}

async function sent(psid: string): Promise<Record<string, unknown>[]> {
  return (await json<{ messages: Record<string, unknown>[] }>(await api(`/demo/messenger/sent?recipient=${psid}`))).messages;
}

describe("the Messenger simulator (DEV_SEED)", () => {
  it("seeds the demo channel: listed for the demo admin key, verified with demo-verify", async () => {
    await pane({ psid: uniquePsid(), read: true });
    const list = await json<{ channels: { kind: string; pageId: string }[] }>(await api("/v1/channels", { token: ADMIN_KEY }));
    expect(list.channels).toMatchObject([{ kind: "messenger", pageId: "demo-page" }]);
    const ok = await api("/v1/channels/demo/messenger/webhook?hub.mode=subscribe&hub.verify_token=demo-verify&hub.challenge=42");
    expect(await ok.text()).toBe("42");
  });

  it("carries the pane's messages in through the signed webhook and the business's answers out to the simulator", async () => {
    loopback();
    const psid = uniquePsid();
    await pane({ psid, text: "Hi from Messenger" });
    const conversationId = await threadOf(psid);
    await eventually(
      async () => json<{ events: unknown[] }>(await api(`/v1/conversations/${conversationId}/events`, { token: BOT_KEY })),
      (p) => p.events.length === 1,
    );
    const reply = await api(`/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      token: BOT_KEY,
      json: { clientId: "demo-1", content: { type: "text", text: "Hello! How can we help?" }, sender: { role: "bot", id: "shopbot" } },
    });
    expect(reply.status).toBe(201);
    const messages = await eventually(() => sent(psid), (m) => m.length === 1);
    expect(messages).toEqual([{ recipient: { id: psid }, messaging_type: "RESPONSE", message: { text: "Hello! How can we help?" } }]);
    // The simulator answers the User Profile API too: the business sees the pane's person by a (made-up) name.
    const thread = await json<{ conversation: { customer: { name?: string } } }>(await api(`/v1/conversations/${conversationId}`, { token: BOT_KEY }));
    expect(thread.conversation.customer.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);

    await pane({ psid, quickReply: { title: "Book a repair", payload: "BOOK_REPAIR" } });
    const page = await eventually(
      async () => json<{ events: { content: Record<string, unknown>; channel?: string }[] }>(await api(`/v1/conversations/${conversationId}/events`, { token: BOT_KEY })),
      (p) => p.events.length === 3,
    );
    expect(page.events[2]).toMatchObject({ channel: "messenger", content: { type: "postback", payload: "BOOK_REPAIR", title: "Book a repair" } });
  });

  it("records only calls with the demo page token, and validates the pane's input", async () => {
    const refused = await api("/demo/messenger/demo-page/messages", {
      method: "POST",
      headers: { authorization: "Bearer wrong" },
      json: { recipient: { id: "1" }, message: { text: "x" } },
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(190);
    expect((await api("/demo/messenger/send", { method: "POST", json: { psid: "1", text: "a", read: true } })).status).toBe(400);
    expect((await api("/demo/messenger/send", { method: "POST", json: { psid: "not-digits", text: "a" } })).status).toBe(400);
  });
});
