// A plain customer message writes only its event row: the thread's meta
// bookkeeping (version, updatedAt, lastCustomerAt) and the device's read
// cursor stay in memory and are derived from the log after a wake
// (src/conversation/meta.ts, src/conversation/reads.ts). These tests evict the
// Conversation DO between appends and check, through the public surfaces,
// that nothing an append changed is lost: cursors, unread counts, the
// business view's updatedAt and the directory's versions.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { META_CHECKPOINT_EVERY } from "../../src/conversation/meta";
import { READS_FLUSH_EVERY } from "../../src/conversation/reads";
import { call, ok } from "./business-helpers";
import { rowWhen } from "./directory-helpers";
import { api, eventually, identityToken, json, openConversation } from "./helpers";
import { createTenant, type TestTenant } from "./identity-helpers";

interface Device {
  token: string;
  deviceId: string;
}

interface Thread {
  id: string;
  lastSeq: number;
  readSeq: number;
  unread: number;
}

interface Posted {
  event: { seq: number; at: string };
}

/** A tenant whose send limits let a test write a hundred messages from one device. */
function roomyTenant(): Promise<TestTenant> {
  return createTenant({ rateLimits: { sendsPerDevice: { limit: 1000, periodSeconds: 60 }, sendsPerIp: { limit: 1000, periodSeconds: 60 } } });
}

async function device(tenant: TestTenant, userId: string): Promise<Device> {
  const res = await api("/v1/sessions", {
    method: "POST",
    json: { tenant: tenant.id, identityToken: await identityToken(userId, { secret: tenant.secret, iss: tenant.id, name: "Ann" }) },
  });
  expect(res.status).toBe(201);
  const body = await json<{ sessionToken: string; deviceId: string }>(res);
  return { token: body.sessionToken, deviceId: body.deviceId };
}

async function customerSays(d: Device, id: string, text: string): Promise<Posted["event"]> {
  const res = await api(`/v1/conversations/${id}/messages`, { method: "POST", token: d.token, json: { clientId: crypto.randomUUID(), content: { type: "text", text } } });
  expect(res.status).toBe(201);
  return (await json<Posted>(res)).event;
}

async function botSays(tenant: TestTenant, id: string, text: string): Promise<Posted["event"]> {
  const body = { clientId: crypto.randomUUID(), sender: { role: "bot", id: "b" }, content: { type: "text", text } };
  return (await ok<Posted>(await call("POST", `/v1/conversations/${id}/messages`, tenant.apiKey, body), 201)).event;
}

function evict(tenant: TestTenant, id: string): Promise<void> {
  return evictDurableObject(env.CONVERSATION.getByName(`${tenant.id}:${id}`));
}

async function reads(d: Device, id: string): Promise<Record<string, number>> {
  return (await json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${id}`, { token: d.token }))).reads;
}

async function listed(d: Device, id: string): Promise<Thread | undefined> {
  return (await json<{ conversations: Thread[] }>(await api("/v1/me/conversations", { token: d.token }))).conversations.find((t) => t.id === id);
}

async function businessView(tenant: TestTenant, id: string): Promise<{ updatedAt: string; waitingSince: string | null }> {
  return (await ok<{ conversation: { updatedAt: string; waitingSince: string | null } }>(await call("GET", `/v1/conversations/${id}`, tenant.apiKey))).conversation;
}

describe("a customer's appends across an eviction", () => {
  it("keeps the device's read cursor and the exact unread count", async () => {
    const tenant = await roomyTenant();
    const ann = await device(tenant, "ann");
    const id = await openConversation(ann.token);
    await customerSays(ann, id, "one");
    await customerSays(ann, id, "two");
    await botSays(tenant, id, "hello");
    await botSays(tenant, id, "how can I help?");
    await evict(tenant, id);

    expect(await reads(ann, id)).toEqual({ [ann.deviceId]: 2 });
    expect(await listed(ann, id)).toMatchObject({ lastSeq: 4, readSeq: 2, unread: 2 });
    // The cursor still only moves forward, and an explicit read is kept too.
    expect((await api(`/v1/conversations/${id}/read`, { method: "POST", token: ann.token, json: { seq: 3 } })).status).toBe(204);
    await evict(tenant, id);
    expect(await listed(ann, id)).toMatchObject({ readSeq: 3, unread: 1 });
  });

  it("keeps the thread's updatedAt and a directory version that never goes back", async () => {
    const tenant = await roomyTenant();
    const ann = await device(tenant, "ann");
    const id = await openConversation(ann.token);
    await customerSays(ann, id, "first");
    await botSays(tenant, id, "hi");
    await customerSays(ann, id, "second");
    await customerSays(ann, id, "third");
    const fourth = await customerSays(ann, id, "fourth");
    const before = await businessView(tenant, id);
    expect(before.updatedAt).toBe(fourth.at);
    // The directory got the version this object had in memory.
    await rowWhen(tenant.id, id, (r) => r.lastSeq === fourth.seq);
    await evict(tenant, id);

    expect(await businessView(tenant, id)).toEqual(before);
    // A later message still moves the directory row: its version is above the one pushed before the eviction.
    const fifth = await customerSays(ann, id, "fifth");
    expect((await rowWhen(tenant.id, id, (r) => r.lastSeq === fifth.seq)).updatedAt).toBe(fifth.at);
  });

  it("keeps every cursor and the meta after more appends than a checkpoint covers", async () => {
    const tenant = await roomyTenant();
    const phone = await device(tenant, "ann");
    const laptop = await device(tenant, "ann");
    const id = await openConversation(phone.token);
    const many = Math.max(READS_FLUSH_EVERY, META_CHECKPOINT_EVERY) + 6;
    let last = await customerSays(phone, id, "0");
    for (let i = 1; i < many; i++) last = await customerSays(phone, id, String(i));
    expect(last.seq).toBe(many);
    const fromLaptop = await customerSays(laptop, id, "from the laptop");
    await rowWhen(tenant.id, id, (r) => r.lastSeq === fromLaptop.seq);
    await evict(tenant, id);

    expect(await reads(phone, id)).toEqual({ [phone.deviceId]: many, [laptop.deviceId]: many + 1 });
    expect((await businessView(tenant, id)).updatedAt).toBe(fromLaptop.at);
    expect(await listed(phone, id)).toMatchObject({ lastSeq: many + 1, readSeq: many + 1, unread: 0 });

    await botSays(tenant, id, "sorry for the wait");
    const again = await customerSays(phone, id, "thanks");
    await evict(tenant, id);
    expect(await reads(phone, id)).toEqual({ [phone.deviceId]: again.seq, [laptop.deviceId]: many + 1 });
    const thread = await eventually(
      () => listed(laptop, id),
      (t) => t?.lastSeq === again.seq,
    );
    expect(thread).toMatchObject({ readSeq: again.seq, unread: 0 });
    await rowWhen(tenant.id, id, (r) => r.lastSeq === again.seq);
  });

  it("an object from before the device column (schema step 3) keeps its cursors and meta when it wakes and applies step 4", async () => {
    const tenant = await roomyTenant();
    const ann = await device(tenant, "ann");
    const id = await openConversation(ann.token);
    const first = await customerSays(ann, id, "first");
    await botSays(tenant, id, "hello");
    await botSays(tenant, id, "anything else?");
    const stub = env.CONVERSATION.getByName(`${tenant.id}:${id}`);
    // As the code before step 4 left it: a `reads` row per customer append, a meta row without its
    // checkpoint, no `device` column and no `reads_seq`.
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("ALTER TABLE events DROP COLUMN device");
      sql.exec("DELETE FROM meta WHERE key = 'reads_seq'");
      sql.exec("INSERT INTO reads (device_id, user_id, seq, at) VALUES (?, 'ann', ?, ?)", ann.deviceId, first.seq, first.at);
      const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'conversation'").one();
      const { tickSeq: _tickSeq, ...meta } = JSON.parse(row.value) as { tickSeq?: number };
      sql.exec("UPDATE meta SET value = ? WHERE key = 'conversation'", JSON.stringify(meta));
      sql.exec("UPDATE schema_version SET version = 3");
    });
    const before = await businessView(tenant, id);
    await evict(tenant, id);

    expect(await listed(ann, id)).toMatchObject({ lastSeq: 3, readSeq: first.seq, unread: 2 });
    expect(await businessView(tenant, id)).toEqual(before);
    const again = await customerSays(ann, id, "thanks");
    const more = await customerSays(ann, id, "bye");
    await evict(tenant, id);
    expect(await reads(ann, id)).toEqual({ [ann.deviceId]: more.seq });
    expect((await businessView(tenant, id)).updatedAt).toBe(more.at);
    expect(again.seq).toBe(4);
    const schema = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
    );
    expect(schema).toBe(4);
  });
});
