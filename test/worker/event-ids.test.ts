// Event ids derived from the seq (src/conversation/event-ids.ts): the log keeps
// no index over ids, a lookup by id parses the seq. These tests go through the
// public surfaces that carry or resolve ids (appends and their retries, pages,
// payment updates, whose retry answers the earlier event found by its id), on
// a new thread and on one written before Conversation schema step 5, whose
// random ids must keep resolving.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { api, BOT_KEY, json, openConversation, openSession, send, uniqueUser } from "./helpers";

interface Ev {
  seq: number;
  id: string;
  type: string;
  target?: string;
}

const SHAPE = /^evt_[0-9A-Za-z]{22}$/;

function business(path: string, body: unknown): Promise<Response> {
  return api(path, { method: "POST", token: BOT_KEY, json: body });
}

async function requestPayment(id: string, requestId: string): Promise<Ev> {
  const res = await business(`/v1/conversations/${id}/messages`, {
    clientId: `pay-${requestId}`,
    sender: { role: "bot", id: "shop" },
    content: { type: "payment_request", requestId, amount: 42, currency: "EUR", description: "Repair", payUrl: "https://pay.example.com/r", status: "pending" },
  });
  expect(res.status).toBe(201);
  return (await json<{ event: Ev }>(res)).event;
}

async function pay(id: string, requestId: string, status: number): Promise<Ev> {
  const res = await business(`/v1/conversations/${id}/payments/${requestId}`, { status: "paid" });
  expect(res.status).toBe(status);
  return (await json<{ event: Ev }>(res)).event;
}

async function say(token: string, id: string, clientId: string, text: string, status: number): Promise<Ev> {
  const res = await send(token, id, clientId, text);
  expect(res.status).toBe(status);
  return (await json<{ event: Ev }>(res)).event;
}

async function events(token: string, id: string): Promise<Ev[]> {
  return (await json<{ events: Ev[] }>(await api(`/v1/conversations/${id}/events`, { token }))).events;
}

function stubOf(id: string) {
  return env.CONVERSATION.getByName(`demo:${id}`);
}

describe("derived event ids", () => {
  it("look random, are unique, share nothing across threads, and resolve by id (a payment update's retry)", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const other = await openConversation((await openSession(uniqueUser())).sessionToken);
    const mine = [await say(s.sessionToken, id, "a", "one", 201), await say(s.sessionToken, id, "b", "two", 201)];
    const request = await requestPayment(id, "r-1");
    const paid = await pay(id, "r-1", 201);
    const log = await events(s.sessionToken, id);
    expect(log.map((e) => e.id)).toEqual([...mine, request, paid].map((e) => e.id));
    for (const e of log) expect(e.id).toMatch(SHAPE);
    expect(new Set(log.map((e) => e.id.slice(-6))).size).toBe(log.length);
    expect(paid.target).toBe(request.id);

    const theirs = await requestPayment(other, "r-1");
    expect(theirs.seq).toBe(1);
    expect(theirs.id).not.toBe(mine[0]!.id);
    expect(theirs.id.slice(0, 19)).not.toBe(mine[0]!.id.slice(0, 19));

    // The retry answers the payment.updated event found by its id, after a wake too.
    expect(await pay(id, "r-1", 200)).toEqual(paid);
    await evictDurableObject(stubOf(id));
    expect(await pay(id, "r-1", 200)).toEqual(paid);
    expect((await say(s.sessionToken, id, "a", "one", 200)).id).toBe(mine[0]!.id);
    const indexes = await runInDurableObject(stubOf(id), (_i, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").toArray(),
    );
    expect(indexes).toHaveLength(1); // idem_key's; none over ids
  });

  it("a thread written before schema step 5 keeps its random ids resolving, retries across the migration, and derives new ids", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const hello = await say(s.sessionToken, id, "hello", "hello", 201);
    await requestPayment(id, "r-old");
    await pay(id, "r-old", 201);
    // As the code before step 5 left it: random ids under a UNIQUE index, no prefix, no event_ids table.
    await runInDurableObject(stubOf(id), (_i, state) => {
      const sql = state.storage.sql;
      for (const { seq, id: derived } of sql.exec<{ seq: number; id: string }>("SELECT seq, id FROM events").toArray()) {
        const random = newId("evt");
        sql.exec("UPDATE events SET id = ? WHERE seq = ?", random, seq);
        sql.exec("UPDATE events SET body = json_set(body, '$.target', ?) WHERE json_extract(body, '$.target') = ?", random, derived);
      }
      sql.exec(`CREATE TABLE events_v4 (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, at TEXT NOT NULL,
                sender_role TEXT NOT NULL, idem_key TEXT UNIQUE, body TEXT NOT NULL, device TEXT)`);
      sql.exec("INSERT INTO events_v4 SELECT seq, id, type, at, sender_role, idem_key, body, device FROM events");
      sql.exec("DROP TABLE events");
      sql.exec("ALTER TABLE events_v4 RENAME TO events");
      sql.exec("DROP TABLE event_ids");
      sql.exec("DELETE FROM meta WHERE key = 'event_prefix'");
      sql.exec("UPDATE schema_version SET version = 4");
    });
    const old = await events(s.sessionToken, id);
    await evictDurableObject(stubOf(id));

    // The wake applies step 5: the same ids, the payment update found by its old id, a retry by clientId answered.
    expect(await events(s.sessionToken, id)).toEqual(old);
    const oldPaid = old[2]!;
    expect(oldPaid.target).toBe(old[1]!.id);
    expect(await pay(id, "r-old", 200)).toEqual(oldPaid);
    expect(await say(s.sessionToken, id, "hello", "hello", 200)).toEqual(old[0]);
    expect(old[0]!.id).not.toBe(hello.id);
    expect((await send(s.sessionToken, id, "hello", "something else")).status).toBe(409);

    // New events get derived ids (not written to event_ids), which resolve as well.
    const fresh = await say(s.sessionToken, id, "new", "new", 201);
    const request = await requestPayment(id, "r-new");
    const paid = await pay(id, "r-new", 201);
    expect(await pay(id, "r-new", 200)).toEqual(paid);
    expect([fresh.seq, request.seq, paid.seq]).toEqual([4, 5, 6]);
    expect(fresh.id.slice(0, 19)).toBe(paid.id.slice(0, 19));
    for (const e of [fresh, request, paid]) expect(e.id).toMatch(SHAPE);
    const stored = await runInDurableObject(stubOf(id), (_i, state) => ({
      legacy: state.storage.sql.exec<{ id: string }>("SELECT id FROM event_ids ORDER BY seq").toArray().map((r) => r.id),
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
    }));
    expect(stored).toEqual({ legacy: old.map((e) => e.id), version: 5 });
    await evictDurableObject(stubOf(id));
    expect(await pay(id, "r-old", 200)).toEqual(oldPaid);
    expect(await pay(id, "r-new", 200)).toEqual(paid);
    expect((await say(s.sessionToken, id, "new", "new", 200)).id).toBe(fresh.id);
  });
});
