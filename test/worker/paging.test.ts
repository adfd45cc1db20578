// Forward sync (after, limit, hasMore, cursor) and backward history (before).
import { describe, expect, it } from "vitest";
import { api, BOT_KEY, json, openConversation, openSession, uniqueUser } from "./helpers";

interface Page {
  events: { seq: number }[];
  cursor: number;
  hasMore: boolean;
}

async function threadWith(count: number): Promise<{ token: string; id: string }> {
  const s = await openSession(uniqueUser());
  const id = await openConversation(s.sessionToken);
  for (let i = 0; i < count; i++) {
    const res = await api(`/v1/conversations/${id}/messages`, {
      method: "POST",
      token: BOT_KEY,
      json: { clientId: `b${i}`, sender: { role: "bot", id: "pager" }, content: { type: "text", text: `n${i + 1}` } },
    });
    expect(res.status).toBe(201);
  }
  return { token: s.sessionToken, id };
}

async function page(token: string, id: string, query: string): Promise<Page> {
  const res = await api(`/v1/conversations/${id}/events?${query}`, { token });
  expect(res.status).toBe(200);
  return json<Page>(res);
}

const seqs = (p: Page) => p.events.map((e) => e.seq);

describe("paging", () => {
  it("syncs forward page by page until hasMore is false", async () => {
    const { token, id } = await threadWith(12);
    const p1 = await page(token, id, "limit=5");
    expect(seqs(p1)).toEqual([1, 2, 3, 4, 5]);
    expect(p1).toMatchObject({ cursor: 5, hasMore: true });
    const p2 = await page(token, id, `after=${p1.cursor}&limit=5`);
    expect(seqs(p2)).toEqual([6, 7, 8, 9, 10]);
    const p3 = await page(token, id, `after=${p2.cursor}&limit=5`);
    expect(seqs(p3)).toEqual([11, 12]);
    expect(p3).toMatchObject({ cursor: 12, hasMore: false });
    const p4 = await page(token, id, `after=12`);
    expect(p4).toEqual({ events: [], cursor: 12, hasMore: false });
  });

  it("pages history backwards in ascending order", async () => {
    const { token, id } = await threadWith(12);
    const newest = await page(token, id, "before=13&limit=5");
    expect(seqs(newest)).toEqual([8, 9, 10, 11, 12]);
    expect(newest).toMatchObject({ cursor: 8, hasMore: true });
    const older = await page(token, id, `before=${newest.cursor}&limit=5`);
    expect(seqs(older)).toEqual([3, 4, 5, 6, 7]);
    const oldest = await page(token, id, `before=${older.cursor}&limit=5`);
    expect(seqs(oldest)).toEqual([1, 2]);
    expect(oldest.hasMore).toBe(false);
  });

  it("defaults to 100 events and allows up to 500", async () => {
    const { token, id } = await threadWith(3);
    expect(seqs(await page(token, id, ""))).toEqual([1, 2, 3]);
    expect(seqs(await page(token, id, "limit=500"))).toEqual([1, 2, 3]);
  });

  // Numbers in decimal digits only: Number() would read "0x2" as 2, "1e2" as 100 and "" or " " as 0.
  it.each(["limit=0", "limit=501", "limit=abc", "after=-1", "before=0", "after=1&before=3", "cursor=1", "after=0x2", "after=1e2", "after=", "after=%20", "limit=2.0", "limit=+5"])(
    "rejects %s with 400 invalid_request",
    async (query) => {
      const { token, id } = await threadWith(0);
      const res = await api(`/v1/conversations/${id}/events?${query}`, { token });
      expect(res.status).toBe(400);
      const problem = await json<{ code: string; errors: { path: string }[] }>(res);
      expect(problem.code).toBe("invalid_request");
      expect(problem.errors.length).toBeGreaterThan(0);
    },
  );

  it("names an unknown query parameter by its name; a query that is wrong as a whole is (query), never (body)", async () => {
    const { token, id } = await threadWith(0);
    const unknown = await json<{ errors: { path: string }[] }>(await api(`/v1/conversations/${id}/events?foo=1&bar=2`, { token }));
    expect(unknown.errors.map((e) => e.path)).toEqual(["foo", "bar"]);
    const both = await json<{ errors: { path: string }[] }>(await api(`/v1/conversations/${id}/events?after=1&before=3`, { token }));
    expect(both.errors.map((e) => e.path)).not.toContain("(body)");
    const directory = await json<{ errors: { path: string }[] }>(await api("/v1/conversations?foo=1", { token: BOT_KEY }));
    expect(directory.errors.map((e) => e.path)).toEqual(["foo"]);
  });

  it("answers a body of thousands of unknown keys briefly: at most 20 errors, each naming one key", async () => {
    const body: Record<string, unknown> = { tenant: "demo" };
    for (let i = 0; i < 5000; i++) body[`k${i.toString(36)}`] = 0;
    const res = await api("/v1/sessions", { method: "POST", json: body });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(4096);
    const problem = JSON.parse(text) as { errors: { path: string; message: string }[] };
    expect(problem.errors).toHaveLength(20);
    expect(problem.errors[0]).toEqual({ path: "k0", message: "unknown key" });
  });

  it("names a number past the safe integers once", async () => {
    const { token, id } = await threadWith(0);
    const problem = await json<{ errors: { path: string }[] }>(await api(`/v1/conversations/${id}/events?after=9007199254740992`, { token }));
    expect(problem.errors.map((e) => e.path)).toEqual(["after"]);
  });
});
