// Search (q): case-insensitive substring over message text (FTS5 trigram,
// LIKE below 3 characters), customer name and id, in the caller's tenant
// only. A query can never return another tenant's row.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LONE_SURROGATE } from "../../src/protocol/text";
import { agentSession } from "./business-helpers";
import { customerOf, list, newTenant, rowWhen, say } from "./directory-helpers";

describe("directory search", () => {
  it("finds message text, customer name and id, with the match", async () => {
    const tenant = await newTenant();
    const ann = await customerOf(tenant, "ann-1", "Annika Berg");
    const bob = await customerOf(tenant, "bob-2", "Bob");
    await say(ann, "My Roadster 7 has a flat tyre");
    await say(ann, "also the bell is broken");
    await say(bob, "Please cancel order A-1042");
    await rowWhen(tenant.id, ann.conversationId, (r) => r.lastSeq === 2);
    await rowWhen(tenant.id, bob.conversationId, (r) => r.lastSeq === 1);
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });

    const tyre = await list(sam.sessionToken, `q=${encodeURIComponent("FLAT TYR")}`);
    expect(tyre.conversations.map((r) => r.id)).toEqual([ann.conversationId]);
    expect(tyre.conversations[0]!.match).toEqual({ seq: 1, snippet: "My Roadster 7 has a flat tyre" });
    expect((await list(sam.sessionToken, "q=a-1042")).conversations.map((r) => r.id)).toEqual([bob.conversationId]);
    // The newest matching message is the match.
    expect((await list(sam.sessionToken, "q=the")).conversations[0]!.match?.seq).toBe(2);
    // Customer name and id.
    const byName = await list(sam.sessionToken, "q=annika");
    expect(byName.conversations.map((r) => r.id)).toEqual([ann.conversationId]);
    expect(byName.conversations[0]!.match).toEqual({ seq: 0, snippet: "Annika Berg ann-1" });
    expect((await list(sam.sessionToken, "q=bob-2")).conversations.map((r) => r.id)).toEqual([bob.conversationId]);
    // Two characters: still a substring search.
    expect((await list(sam.sessionToken, "q=7%20")).conversations.map((r) => r.id)).toEqual([ann.conversationId]);
    // Quotes and wildcards are text, not syntax.
    expect((await list(sam.sessionToken, `q=${encodeURIComponent('"%_')}`)).conversations).toEqual([]);
    expect((await list(sam.sessionToken, "q=nothing-like-this")).conversations).toEqual([]);
    // Combined with a filter.
    expect((await list(sam.sessionToken, "q=order&status=resolved")).conversations).toEqual([]);
  });

  it("is case-insensitive beyond ASCII: names of any length, and one- or two-character text queries", async () => {
    const tenant = await newTenant();
    const e = await customerOf(tenant, "el-1", "Élodie Şahin Zoë");
    await say(e, "crème brûlée");
    await rowWhen(tenant.id, e.conversationId, (r) => r.lastSeq === 1);
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    const ids = async (q: string) => (await list(sam.sessionToken, `q=${encodeURIComponent(q)}`)).conversations.map((r) => r.id);
    for (const q of ["Élodie", "élodie", "ÉLODIE", "Zoë", "ZOË", "zoë", "Şahin", "şahin", "CRÈME", "rè", "RÈ", "Rè", "Û"]) {
      expect([q, await ids(q)]).toEqual([q, [e.conversationId]]);
    }
    // The match shows the name as the customer wrote it.
    expect((await list(sam.sessionToken, `q=${encodeURIComponent("zoë")}`)).conversations[0]!.match).toEqual({ seq: 0, snippet: "Élodie Şahin Zoë el-1" });
    expect(await ids("xyz")).toEqual([]);
  });

  it("finds a name without its accents, and letters that are folded apart (ß, ł, ı, final sigma, İ)", async () => {
    const tenant = await newTenant();
    const jose = await customerOf(tenant, "jn-1", "José Núñez");
    const odysseus = await customerOf(tenant, "od-2", "Οδυσσεύς Παππάς");
    const ipek = await customerOf(tenant, "ip-3", "İpek Işık");
    const lukasz = await customerOf(tenant, "lu-4", "Łukasz Straße");
    for (const c of [jose, odysseus, ipek, lukasz]) await say(c, "hello");
    for (const c of [jose, odysseus, ipek, lukasz]) await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq === 1);
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    const ids = async (q: string) => (await list(sam.sessionToken, `q=${encodeURIComponent(q)}`)).conversations.map((r) => r.id);
    const expected: [string, string][] = [
      ["jose nunez", jose.conversationId], ["JOSE", jose.conversationId], ["Núñez", jose.conversationId], ["ｊｏｓｅ", jose.conversationId],
      ["ΟΔΥΣ", odysseus.conversationId], ["οδυσσευς", odysseus.conversationId], ["ΠΑΠΠΑΣ", odysseus.conversationId],
      ["ipek", ipek.conversationId], ["isik", ipek.conversationId], ["IŞIK", ipek.conversationId],
      ["lukasz", lukasz.conversationId], ["STRASSE", lukasz.conversationId], ["straße", lukasz.conversationId],
    ];
    for (const [q, id] of expected) expect([q, await ids(q)]).toEqual([q, [id]]);
    // An accent alone is not "any name": neither a combining mark nor a spacing accent (´ is a space and a mark in NFKD).
    for (const q of ["\u0301", "´", "¨", " \u0301"]) expect([q, await ids(q)]).toEqual([q, []]);
    // Typed decomposed (e + U+0301, as macOS input gives), a message's "é" is found too.
    await say(jose, "qualité");
    await rowWhen(tenant.id, jose.conversationId, (r) => r.lastSeq === 2);
    expect(await ids("qualite\u0301")).toEqual([jose.conversationId]);
    // The match still shows the name as the customer wrote it.
    expect((await list(sam.sessionToken, "q=nunez")).conversations[0]!.match).toEqual({ seq: 0, snippet: "José Núñez jn-1" });
    // A row stored before accents were folded (lower-cased alone) is found as it was then.
    await env.DB.prepare("UPDATE directory SET customer_name = ? WHERE tenant = ? AND id = ?").bind("josé núñez", tenant.id, jose.conversationId).run();
    for (const q of ["José", "NÚÑEZ"]) expect([q, await ids(q)]).toEqual([q, [jose.conversationId]]);
  });

  it("takes queries up to the limit, of any script, and pages of 100 rows", async () => {
    const tenant = await newTenant();
    const customers: Awaited<ReturnType<typeof customerOf>>[] = [];
    for (let i = 0; i < 101; i += 10) {
      customers.push(...(await Promise.all(Array.from({ length: Math.min(10, 101 - i) }, (_, j) => customerOf(tenant, `p-${i + j}`, `Person ${i + j}`)))));
    }
    await Promise.all(customers.map((c) => rowWhen(tenant.id, c.conversationId, () => true)));
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    // D1 takes at most 100 bound variables: a full page binds its ids as one value.
    const page = await list(sam.sessionToken, "limit=100");
    expect(page.conversations).toHaveLength(100);
    expect(page.cursor).not.toBeNull();
    expect((await list(sam.sessionToken, "limit=100&q=person")).conversations).toHaveLength(100);
    // D1 refuses LIKE patterns over 50 bytes; a query may have 128 characters (and ﷺ folds to 18 letters).
    for (const q of ["x".repeat(128), "ﷺﷺ", "日本語".repeat(40)]) {
      expect([q, (await list(sam.sessionToken, `q=${encodeURIComponent(q)}`)).conversations]).toEqual([q, []]);
    }
  });

  it("cuts previews and snippets between characters, never inside an emoji", async () => {
    const tenant = await newTenant();
    const eve = await customerOf(tenant, "eve-1", "Eve");
    // "tag" + 200 emoji: each is two UTF-16 code units, so a cut at an odd offset would split one.
    await say(eve, `tag${"🎉".repeat(200)}`);
    const row = await rowWhen(tenant.id, eve.conversationId, (r) => r.lastSeq === 1);
    const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
    expect(row.lastEvent?.preview.endsWith("🎉…")).toBe(true);
    expect(wellFormed(row.lastEvent!.preview)).toBe(true);
    expect(row.lastEvent!.preview.length).toBeLessThanOrEqual(140);
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    const hit = (await list(sam.sessionToken, "q=tag")).conversations[0]!;
    expect(wellFormed(hit.match!.snippet)).toBe(true);
    expect(hit.lastEvent!.preview).toBe(row.lastEvent!.preview);
    // A match deep in the text: the snippet starts 40 code units before it and runs 138, here both inside an emoji.
    await say(eve, `${"🎉".repeat(60)}yx${"🎉".repeat(100)}`);
    await rowWhen(tenant.id, eve.conversationId, (r) => r.lastSeq === 2);
    const deep = (await list(sam.sessionToken, "q=x")).conversations[0]!;
    expect(deep.match!.seq).toBe(2);
    expect(wellFormed(deep.match!.snippet)).toBe(true);
  });

  it("never returns another tenant's row", async () => {
    const [a, b] = await Promise.all([newTenant(), newTenant()]);
    // The same customer id and the same words in both tenants.
    const inA = await customerOf(a, "same-person", "Same Name");
    const inB = await customerOf(b, "same-person", "Same Name");
    await say(inA, "zebra crossing 42");
    await say(inB, "zebra crossing 42");
    await rowWhen(a.id, inA.conversationId, (r) => r.lastSeq === 1);
    await rowWhen(b.id, inB.conversationId, (r) => r.lastSeq === 1);

    for (const [tenant, own] of [
      [a, inA],
      [b, inB],
    ] as const) {
      for (const query of ["", "q=zebra", "q=ze", "q=same-person", "q=Same%20Name", "counts=true", "sort=waiting", "sort=created"]) {
        const page = await list(tenant.apiKey, query);
        expect({ query, ids: page.conversations.map((r) => r.id) }).toEqual({ query, ids: [own.conversationId] });
        if (page.counts) expect(page.counts.open).toBe(1);
      }
    }
    // A cursor made in one tenant pages only the caller's tenant in another.
    for (let i = 0; i < 3; i++) {
      const more = await customerOf(a, `more-${i}`);
      await rowWhen(a.id, more.conversationId, () => true);
    }
    const pageA = await list(a.apiKey, "limit=1");
    expect(pageA.cursor).not.toBeNull();
    const crossed = await list(b.apiKey, `limit=100&cursor=${encodeURIComponent(pageA.cursor!)}`);
    for (const row of crossed.conversations) expect(row.id).toBe(inB.conversationId);
  });
});
