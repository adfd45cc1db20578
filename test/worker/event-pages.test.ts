// GET /v1/conversations/:id/events answers JSON text the Conversation DO builds
// from its stored rows (src/conversation/event-pages.ts) instead of parsed
// events: the bytes must be exactly what the parsed page stringifies to, for
// customers (their view of business-only state) and the business alike.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PAGE_BYTES } from "../../src/conversation/event-pages";
import type { Access } from "../../src/protocol/access";
import { call, ok } from "./business-helpers";
import { api, BOT_KEY, openConversation, openSession, send, uniqueUser } from "./helpers";
import { botSend } from "./live-helpers";

describe("event pages as JSON text", () => {
  it("are byte for byte the parsed page, for every caller and every way of paging", { timeout: 30_000 }, async () => {
    const userId = uniqueUser("pages");
    const s = await openSession(userId);
    const id = await openConversation(s.sessionToken);
    expect((await send(s.sessionToken, id, "c-1", 'quotes " \\ and “curly”, a line\u2028separator, 🎉')).status).toBe(201);
    expect((await botSend(id, "b-1", "hello <b>there</b>")).status).toBe(201);
    // Business-only parts: labels and an assignee, handover metadata.
    await ok(await call("PATCH", `/v1/conversations/${id}`, BOT_KEY, { labels: ["vip-secret"], assignee: "agent-7", status: "pending" }));
    await ok(await call("POST", `/v1/conversations/${id}/handover`, BOT_KEY, { owner: "agent", reason: "asked", metadata: { summary: "secret" } }));
    expect((await send(s.sessionToken, id, "c-2", "thanks")).status).toBe(201);

    const stub = env.CONVERSATION.getByName(`demo:${id}`);
    const callers: [string, string, Access][] = [
      ["customer", s.sessionToken, { kind: "customer", tenant: "demo", userId, deviceId: "any", sessionId: "any", guest: false }],
      ["business", BOT_KEY, { kind: "business", tenant: "demo", role: "bot", keyId: "any" }],
    ];
    const queries: [string, { after?: number; before?: number; limit: number }][] = [
      ["", { after: 0, limit: 100 }],
      ["?after=0&limit=2", { after: 0, limit: 2 }],
      ["?after=2&limit=2", { after: 2, limit: 2 }],
      ["?after=4&limit=2", { after: 4, limit: 2 }],
      ["?before=5&limit=2", { before: 5, limit: 2 }],
      ["?before=2&limit=5", { before: 2, limit: 5 }],
      ["?before=1", { before: 1, limit: 100 }],
      ["?after=99", { after: 99, limit: 100 }],
    ];
    for (const [who, token, access] of callers) {
      for (const [query, q] of queries) {
        const res = await api(`/v1/conversations/${id}/events${query}`, { token });
        expect(res.status, `${who} ${query}`).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/json");
        const parsed = await stub.events(access, q);
        if (!parsed.ok) throw new Error(parsed.error.detail);
        expect(await res.text(), `${who} ${query}`).toBe(JSON.stringify(parsed.value));
      }
    }
    // And what the customer reads carries none of the business-only parts.
    const customerLog = await (await api(`/v1/conversations/${id}/events`, { token: s.sessionToken })).text();
    expect(customerLog).not.toMatch(/vip-secret|agent-7|secret/);
    expect(await (await api(`/v1/conversations/${id}/events`, { token: BOT_KEY })).text()).toMatch(/vip-secret/);
  });

  it("redact each conversation.updated for customers wherever it falls in a page, and end hasMore exactly at the log's ends", { timeout: 30_000 }, async () => {
    const userId = uniqueUser("pages-edges");
    const s = await openSession(userId);
    const id = await openConversation(s.sessionToken);
    // A raw U+0001 in a message: the page builder's marker must not be confused by what a customer writes.
    expect((await send(s.sessionToken, id, "c-1", "marker \u0001 inside \u0001 text")).status).toBe(201); // seq 1
    await ok(await call("PATCH", `/v1/conversations/${id}`, BOT_KEY, { status: "pending" })); // 2: all of it customer-visible
    await ok(await call("PATCH", `/v1/conversations/${id}`, BOT_KEY, { labels: ["vip-secret"] })); // 3: business-only
    expect((await botSend(id, "b-1", "between")).status).toBe(201); // 4
    await ok(await call("POST", `/v1/conversations/${id}/handover`, BOT_KEY, { owner: "agent", metadata: { summary: "secret" } })); // 5
    await ok(await call("PATCH", `/v1/conversations/${id}`, BOT_KEY, { assignee: "agent-7", status: "open" })); // 6: both kinds

    const stub = env.CONVERSATION.getByName(`demo:${id}`);
    const customer: Access = { kind: "customer", tenant: "demo", userId, deviceId: "any", sessionId: "any", guest: false };
    const business: Access = { kind: "business", tenant: "demo", role: "bot", keyId: "any" };
    for (const [who, token, access] of [["customer", s.sessionToken, customer], ["business", BOT_KEY, business]] as const) {
      for (const limit of [1, 2, 3, 6, 7]) {
        for (let from = 0; from <= 7; from++) {
          const queries: [string, { after?: number; before?: number; limit: number }][] = [[`after=${from}&limit=${limit}`, { after: from, limit }]];
          if (from > 0) queries.push([`before=${from}&limit=${limit}`, { before: from, limit }]);
          for (const [query, q] of queries) {
            const res = await api(`/v1/conversations/${id}/events?${query}`, { token });
            expect(res.status, `${who} ${query}`).toBe(200);
            const parsed = await stub.events(access, q);
            if (!parsed.ok) throw new Error(parsed.error.detail);
            const text = await res.text();
            expect(text, `${who} ${query}`).toBe(JSON.stringify(parsed.value));
            // hasMore is true exactly when the log goes on past the page.
            const page = JSON.parse(text) as { events: { seq: number }[]; hasMore: boolean };
            const seqs = page.events.map((e) => e.seq);
            const expected = q.before !== undefined ? seqs.length > 0 && seqs[0]! > 1 : seqs.length > 0 && seqs.at(-1)! < 6;
            expect(page.hasMore, `${who} ${query}`).toBe(expected);
          }
        }
      }
    }
    const customerLog = await (await api(`/v1/conversations/${id}/events?limit=6`, { token: s.sessionToken })).text();
    expect(customerLog).not.toMatch(/vip-secret|agent-7|secret|\u0001"/);
    const events = (JSON.parse(customerLog) as { events: { seq: number; type: string; changes?: object }[] }).events;
    expect(events.map((e) => e.type)).toEqual(["message.created", "conversation.updated", "conversation.updated", "message.created", "conversation.updated", "conversation.updated"]);
    expect(events[1]!.changes).toEqual({ status: ["open", "pending"] });
    expect(events[5]!.changes).toEqual({ status: ["pending", "open"] });
    expect((JSON.parse(customerLog) as { events: { content?: { text: string } }[] }).events[0]!.content!.text).toBe("marker \u0001 inside \u0001 text");
  });

  it("refuses another person's thread with the same 404 as before", async () => {
    const owner = await openSession(uniqueUser("pages-owner"));
    const other = await openSession(uniqueUser("pages-other"));
    const id = await openConversation(owner.sessionToken);
    const res = await api(`/v1/conversations/${id}/events`, { token: other.sessionToken });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
  it("stop at about PAGE_BYTES of events, whatever limit asks, and page on without a gap", { timeout: 60_000 }, async () => {
    const s = await openSession(uniqueUser("big-pages"));
    const id = await openConversation(s.sessionToken);
    // 60 messages of 4,096 control characters: each is about 24.6 KB as JSON (\u0001 escapes), 1.5 MB in all.
    for (let i = 0; i < 60; i += 10) {
      const sent = await Promise.all(Array.from({ length: 10 }, (_, j) => botSend(id, `big-${i + j}`, "\u0001".repeat(4096))));
      expect(sent.map((r) => r.status)).toEqual(Array(10).fill(201));
    }
    const pageOf = async (query: string) => {
      const res = await api(`/v1/conversations/${id}/events?${query}`, { token: s.sessionToken });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(new TextEncoder().encode(text).byteLength).toBeLessThan(PAGE_BYTES + 30_000);
      return JSON.parse(text) as { events: { seq: number }[]; cursor: number; hasMore: boolean };
    };
    const seen: number[] = [];
    let cursor = 0;
    for (let pages = 1; ; pages++) {
      const page = await pageOf(`after=${cursor}&limit=500`);
      seen.push(...page.events.map((e) => e.seq));
      cursor = page.cursor;
      if (!page.hasMore) {
        expect(pages).toBeGreaterThan(1);
        break;
      }
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // History pages keep the events nearest the cursor.
    const latest = await pageOf("before=61&limit=500");
    expect(latest.hasMore).toBe(true);
    expect(latest.events.at(-1)?.seq).toBe(60);
    expect(latest.cursor).toBe(latest.events[0]?.seq);
  });
});
