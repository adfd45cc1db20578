// Small kinds of bad input found in field reports: bytes that are not UTF-8,
// a sync cursor past the end, URLs that carry credentials.
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, send, uniqueUser } from "./helpers";
import { problemOf } from "./identity-helpers";

describe("input edges", () => {
  it("a body that is not valid UTF-8 is 400, and nothing is stored", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const prefix = new TextEncoder().encode('{"clientId":"bad","content":{"type":"text","text":"caf');
    const suffix = new TextEncoder().encode('"}}');
    const body = new Uint8Array([...prefix, 0xc3, 0x28, ...suffix]); // 0xC3 0x28: a broken two-byte sequence
    const res = await api(`/v1/conversations/${id}/messages`, {
      method: "POST",
      token: s.sessionToken,
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: "invalid_request", errors: [{ path: "(body)", message: "invalid UTF-8" }] });
    const page = await json<{ events: unknown[] }>(await api(`/v1/conversations/${id}/events`, { token: s.sessionToken }));
    expect(page.events).toEqual([]);
    // Valid multi-byte text still goes through unchanged.
    expect((await send(s.sessionToken, id, "ok", "café 👋")).status).toBe(201);
  });

  it("events?after= past the end answers the real end as cursor", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await send(s.sessionToken, id, "a", "one");
    await send(s.sessionToken, id, "b", "two");
    const page = await json<{ events: unknown[]; cursor: number; hasMore: boolean }>(
      await api(`/v1/conversations/${id}/events?after=999`, { token: s.sessionToken }),
    );
    expect(page).toEqual({ events: [], cursor: 2, hasMore: false });
    const atEnd = await json<{ cursor: number }>(await api(`/v1/conversations/${id}/events?after=2`, { token: s.sessionToken }));
    expect(atEnd.cursor).toBe(2);
  });

  it("URLs with credentials are refused in content (phishing)", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const button = (url: string) =>
      api(`/v1/conversations/${id}/messages`, {
        method: "POST",
        token: BOT_KEY,
        json: {
          clientId: crypto.randomUUID(),
          sender: { role: "bot", id: "bot" },
          content: { type: "buttons", text: "Pay here", buttons: [{ type: "url", title: "Pay", url }] },
        },
      });
    for (const url of ["https://bank.example@evil.example/login", "https://user:pass@shop.example/", "https://:secret@shop.example/"]) {
      const res = await button(url);
      expect(await problemOf(res)).toMatchObject({ status: 400, code: "invalid_request" });
    }
    expect((await button("https://shop.example/pay?user=me@example.com")).status).toBe(201);
  });
});
