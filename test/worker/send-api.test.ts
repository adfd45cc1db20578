// The Send API: a business backend, bot or agent answers in a customer's
// thread with its tenant API key.
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, send, uniqueUser } from "./helpers";

function botSend(id: string, body: Record<string, unknown>): Promise<Response> {
  return api(`/v1/conversations/${id}/messages`, { method: "POST", token: BOT_KEY, json: body });
}

describe("Send API", () => {
  it("lets a bot answer and the customer read the answer", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await send(s.sessionToken, id, "q", "Where is my order?");
    const res = await botSend(id, {
      clientId: "reply-1",
      sender: { role: "bot", id: "shop-bot", name: "Shop Bot" },
      content: { type: "text", text: "It ships today.", quickReplies: [{ title: "Thanks", payload: "THANKS" }] },
    });
    expect(res.status).toBe(201);
    const { event } = await json<{ event: { seq: number; sender: unknown } }>(res);
    expect(event.seq).toBe(2);
    expect(event.sender).toEqual({ role: "bot", id: "shop-bot", name: "Shop Bot" });

    const page = await json<{ events: { sender: { role: string } }[] }>(
      await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }),
    );
    expect(page.events.map((e) => e.sender.role)).toEqual(["customer", "bot"]);
  });

  it("lets the business read the thread and its read cursors", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await send(s.sessionToken, id, "q", "hi");
    const res = await api(`/v1/conversations/${id}`, { token: BOT_KEY });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ conversation: { id, lastSeq: 1 }, reads: { [s.deviceId]: 1 } });
  });

  it("requires a sender with an API key", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const res = await botSend(id, { clientId: "x", content: { type: "text", text: "who am I" } });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("sender");
  });

  it("rejects a sender role other than bot or agent", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const res = await botSend(id, { clientId: "x", sender: { role: "customer", id: "fake" }, content: { type: "text", text: "x" } });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]?.path).toBe("sender.role");
  });

  it("keeps customer-only routes closed to API keys", async () => {
    const res = await api("/v1/me/conversations", { token: BOT_KEY });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ code: "forbidden" });
  });
});
