// The people index: filled from sessions (Customer DO pushes, versioned),
// labels and timezone set by the business, keyset paging and search.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordPerson, type Person } from "../../src/broadcast/people";
import { adminKeyOf, newTopic } from "./broadcast-helpers";
import { api, BOT_KEY, eventually, identityToken, json, openSession, uniqueUser } from "./helpers";

async function person(userId: string): Promise<Response> {
  return api(`/v1/people/${encodeURIComponent(userId)}`, { token: BOT_KEY });
}

describe("people", () => {
  it("a person appears once they have a session, guests too", async () => {
    const userId = uniqueUser("alice");
    await openSession(userId);
    const res = await eventually(() => person(userId), (r) => r.status === 200);
    expect(res.status).toBe(200);
    const { person: p } = await json<{ person: Person }>(res);
    expect(p).toMatchObject({ id: userId, guest: false, labels: [], timezone: null, subscriptions: [] });
    expect(p.lastSeenAt).toBeTruthy();

    const guest = await api("/v1/sessions", { method: "POST", json: { tenant: "demo" } });
    const { user } = await json<{ user: { id: string } }>(guest);
    const g = await eventually(() => person(user.id), (r) => r.status === 200);
    expect((await json<{ person: Person }>(g)).person.guest).toBe(true);
  });

  it("lastSeenAt is kept to 5 minutes: another session soon after writes nothing, a new name does", async () => {
    const userId = uniqueUser("lena");
    const session = (name: string) =>
      identityToken(userId, { name }).then((identityToken) => api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken } }));
    const read = async (): Promise<Person | null> => {
      const res = await person(userId);
      return res.status === 200 ? (await json<{ person: Person }>(res)).person : null;
    };
    expect((await session("Lena")).status).toBe(201);
    const first = await eventually(read, (p) => p?.name === "Lena");
    expect(first?.lastSeenAt).toBeTruthy();

    // A second device a moment later: the index row stays as it was (no D1 write per session).
    expect((await session("Lena")).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await read())?.lastSeenAt).toBe(first!.lastSeenAt);

    // A changed name is pushed, with the new sighting.
    expect((await session("Lena K.")).status).toBe(201);
    const renamed = await eventually(read, (p) => p?.name === "Lena K.");
    expect(renamed?.name).toBe("Lena K.");
    expect(Date.parse(renamed!.lastSeenAt!)).toBeGreaterThan(Date.parse(first!.lastSeenAt!));
  });

  it("a session right after the person's object was evicted writes nothing either; a row stored before the pushed facts were kept is pushed once", async () => {
    const userId = uniqueUser("mia");
    const customer = env.CUSTOMER.getByName(`demo:${userId}`);
    const session = () =>
      identityToken(userId, { name: "Mia" }).then((identityToken) => api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken } }));
    const read = async (): Promise<Person | null> => {
      const res = await person(userId);
      return res.status === 200 ? (await json<{ person: Person }>(res)).person : null;
    };
    expect((await session()).status).toBe(201);
    const first = await eventually(read, (p) => p?.name === "Mia");

    // The object wakes without memory of the push: what was pushed is stored, so nothing is pushed again.
    await evictDurableObject(customer);
    expect((await session()).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await read())?.lastSeenAt).toBe(first!.lastSeenAt);

    // A table from before the `facts` column (what was pushed unknown) gets the column and pushes once.
    await runInDurableObject(customer, (_instance, state) => {
      state.storage.sql.exec("ALTER TABLE people_sync DROP COLUMN facts");
    });
    await evictDurableObject(customer);
    expect((await session()).status).toBe(201);
    const again = await eventually(read, (p) => p?.lastSeenAt !== first!.lastSeenAt);
    expect(Date.parse(again!.lastSeenAt!)).toBeGreaterThan(Date.parse(first!.lastSeenAt!));
    expect(again?.name).toBe("Mia");
  });

  it("labels are added and removed, timezones validated; unknown people are 404", async () => {
    const userId = uniqueUser("bob");
    await openSession(userId);
    await eventually(() => person(userId), (r) => r.status === 200);
    const patch = (body: unknown) =>
      api(`/v1/people/${userId}`, { method: "PATCH", token: BOT_KEY, json: body });
    let res = await patch({ labels: { add: ["vip", "de"] }, timezone: "Europe/Berlin" });
    expect(res.status).toBe(200);
    expect((await json<{ person: Person }>(res)).person).toMatchObject({ labels: ["de", "vip"], timezone: "Europe/Berlin" });
    res = await patch({ labels: { add: ["fr"], remove: ["de"] } });
    expect((await json<{ person: Person }>(res)).person).toMatchObject({ labels: ["fr", "vip"], timezone: "Europe/Berlin" });
    res = await patch({ timezone: "Mars/Olympus" });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { path: string }[] }>(res)).errors[0]!.path).toBe("timezone");
    res = await patch({ labels: { add: ["Not A Label"] } });
    expect(res.status).toBe(400);
    res = await api(`/v1/people/${uniqueUser("nobody")}`, { method: "PATCH", token: BOT_KEY, json: { timezone: "UTC" } });
    expect(res.status).toBe(404);
    const s = await openSession(uniqueUser());
    expect((await api("/v1/people", { token: s.sessionToken })).status).toBe(403);
  });

  it("a late push with an older version never moves a row back", async () => {
    const userId = uniqueUser("carol");
    await recordPerson(env.DB, { tenant: "demo", userId, name: "Carol New", guest: false, lastSeenAt: "2026-11-02T00:00:00.000Z", version: 5 });
    await recordPerson(env.DB, { tenant: "demo", userId, name: "Carol Old", guest: false, lastSeenAt: "2026-11-01T00:00:00.000Z", version: 4 });
    const { person: p } = await json<{ person: Person }>(await person(userId));
    expect(p).toMatchObject({ name: "Carol New", lastSeenAt: "2026-11-02T00:00:00.000Z" });
  });

  it("lists by label with keyset paging, searches by name or id, shows subscriptions", async () => {
    const label = `l-${crypto.randomUUID().slice(0, 8)}`;
    const topic = await newTopic();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const userId = uniqueUser(`p${i}`);
      ids.push(userId);
      await recordPerson(env.DB, { tenant: "demo", userId, name: `Person ${i} ${label}`, guest: false, lastSeenAt: new Date().toISOString(), version: 1 });
      await api(`/v1/people/${userId}`, { method: "PATCH", token: BOT_KEY, json: { labels: { add: [label] } } });
    }
    const s = await openSession(ids[0]!);
    await api(`/v1/me/subscriptions/${topic}`, { method: "PUT", token: s.sessionToken });
    const seen: Person[] = [];
    let cursor: string | null = null;
    do {
      const res = await api(`/v1/people?label=${label}&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: await adminKeyOf() });
      const page = await json<{ people: Person[]; cursor: string | null }>(res);
      expect(page.people.length).toBeLessThanOrEqual(2);
      seen.push(...page.people);
      cursor = page.cursor;
    } while (cursor);
    expect(seen.map((p) => p.id)).toEqual([...ids].sort());
    expect(seen.find((p) => p.id === ids[0])?.subscriptions).toEqual([topic]);
    const found = await json<{ people: Person[] }>(await api(`/v1/people?q=${encodeURIComponent(`PERSON 3 ${label}`)}`, { token: BOT_KEY }));
    expect(found.people.map((p) => p.id)).toEqual([ids[3]]);
  });

  it("q finds a name in any case beyond ASCII, and an id as before", async () => {
    const emile = uniqueUser("emile");
    const olaf = uniqueUser("olaf");
    for (const [userId, name] of [[emile, "Émile Zola"], [olaf, "Ölaf Ünsal"]] as const) {
      const identity = await identityToken(userId, { name });
      expect((await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: identity } })).status).toBe(201);
      await eventually(() => person(userId), (r) => r.status === 200);
    }
    const search = async (q: string): Promise<string[]> => {
      const res = await api(`/v1/people?q=${encodeURIComponent(q)}&limit=100`, { token: BOT_KEY });
      expect(res.status).toBe(200);
      return (await json<{ people: Person[] }>(res)).people.map((p) => p.id);
    };
    for (const q of ["Émile", "émile", "ÉMILE", "zola", "ZOLA", "mile zo"]) {
      const found = await search(q);
      expect(found, q).toContain(emile);
      expect(found, q).not.toContain(olaf);
    }
    for (const q of ["ölaf ünsal", "ÖLAF ÜNSAL", "Ölaf Ünsal"]) expect(await search(q), q).toContain(olaf);
    expect(await search(emile.toUpperCase())).toEqual([emile]);
    expect(await search(olaf.slice(-12))).toEqual([olaf]);

    // Accents and letters that are folded apart: "zoe" finds "Zoë", "strasse" "Straße", "ΟΔΥΣ" "Οδυσσεύς".
    const others = [uniqueUser("zoe"), uniqueUser("odysseus")];
    for (const [userId, name] of [[others[0]!, "Zoë Straße"], [others[1]!, "Οδυσσεύς"]] as const) {
      expect((await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await identityToken(userId, { name }) } })).status).toBe(201);
      await eventually(() => person(userId), (r) => r.status === 200);
    }
    for (const q of ["zoe", "STRASSE", "Zoë straße"]) expect(await search(q), q).toContain(others[0]);
    for (const q of ["ΟΔΥΣ", "οδυσσευς"]) expect(await search(q), q).toEqual([others[1]]);
    // A spacing accent alone (a space and a mark in NFKD) is not "every name with a space".
    for (const q of ["´", "¨"]) expect(await search(q), q).toEqual([]);
    expect(await search("emile"), "emile").toContain(emile);
    // A row folded before accents were (lower-cased alone) is found as it was then.
    await env.DB.prepare("UPDATE people SET name_folded = ? WHERE tenant = 'demo' AND user_id = ?").bind("émile zola", emile).run();
    for (const q of ["Émile", "ÉMILE"]) expect(await search(q), q).toContain(emile);

    // A row as migration 0014 left it (folded in ASCII only) is still found as it was before.
    await env.DB.prepare("UPDATE people SET name_folded = lower(name) WHERE tenant = 'demo' AND user_id = ?").bind(emile).run();
    for (const q of ["Émile", "zola"]) expect(await search(q), q).toContain(emile);
  });
});
