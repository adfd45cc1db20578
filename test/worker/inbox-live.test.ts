// GET /v1/inbox/live: every directory change of the caller's tenant as a
// `conversation` frame (rows through per-tenant shards to one hub), never
// another tenant's, never a note; business callers only; agent sign-out
// closes it with 4008.
import { env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentSession, call, ok } from "./business-helpers";
import { customerOf, newTenant, rowWhen, say } from "./directory-helpers";
import { BASE } from "./helpers";
import { LiveClient, type Frame } from "./live-helpers";
import { INBOX_SHARDS, shardNameAt } from "../../src/inbox-feed/names";
import type { InboxFeed } from "../../src/inbox-feed/feed";

interface RowFrame extends Frame {
  type: "conversation";
  conversation: { id: string; version: number; lastSeq: number; status: string };
}

function inboxResponse(token: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`${BASE}/v1/inbox/live`, { headers: { upgrade: "websocket", "sec-websocket-protocol": `carryover.v1, bearer.${token}` } }),
  );
}

async function openInbox(token: string): Promise<LiveClient> {
  const res = await inboxResponse(token);
  if (res.status !== 101 || !res.webSocket) throw new Error(`inbox upgrade failed: ${res.status} ${await res.text()}`);
  expect(res.headers.get("sec-websocket-protocol")).toBe("carryover.v1");
  const client = new LiveClient(res.webSocket);
  expect(await client.next()).toEqual({ type: "ready", cursor: 0 });
  return client;
}

async function closedWith(token: string): Promise<{ code: number; reason: string }> {
  const res = await inboxResponse(token);
  expect(res.status).toBe(101);
  return new LiveClient(res.webSocket!).closed;
}

/** Reads row frames until `ready` holds for the rows seen so far (latest version per id). */
async function rowsUntil(inbox: LiveClient, ready: (rows: Map<string, RowFrame["conversation"]>) => boolean) {
  const rows = new Map<string, RowFrame["conversation"]>();
  while (!ready(rows)) {
    const f = await inbox.next();
    if (f.type !== "conversation") throw new Error(`unexpected ${f.type} frame`);
    const row = (f as RowFrame).conversation;
    if ((rows.get(row.id)?.version ?? 0) < row.version) rows.set(row.id, row);
  }
  return rows;
}

/**
 * Six customers of `tenant` (ids `<prefix>0..5`) each write once while no
 * inbox socket is open: each shard's batch is answered "no socket", and the
 * shards stop sending. Resolves once D1 has every row and the shards had time to go quiet.
 */
async function writeUnwatched(tenant: Awaited<ReturnType<typeof newTenant>>, prefix: string) {
  const customers = [];
  for (let i = 0; i < 6; i++) customers.push(await customerOf(tenant, `${prefix}${i}`));
  for (const c of customers) await say(c, "while nobody watches");
  for (const c of customers) await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq === 1);
  await new Promise((r) => setTimeout(r, 500));
  return customers;
}

describe("inbox live feed", () => {
  it("pushes every directory change of the tenant, and nothing of another tenant", async () => {
    const [tenant, other] = await Promise.all([newTenant(), newTenant()]);
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    const inbox = await openInbox(sam.sessionToken);
    const byKey = await openInbox(tenant.apiKey);

    // Ten threads: they land on several shards and all arrive.
    const customers = [];
    for (let i = 0; i < 10; i++) customers.push(await customerOf(tenant, `c${i}`));
    const elsewhere = await customerOf(other, "c0");
    await say(elsewhere, "not for you");
    for (const c of customers) await say(c, `hello ${c.userId}`);
    const ids = customers.map((c) => c.conversationId);
    const rows = await rowsUntil(inbox, (seen) => ids.every((id) => seen.get(id)?.lastSeq === 1));
    expect([...rows.keys()].sort()).toEqual([...ids].sort());
    await rowsUntil(byKey, (seen) => ids.every((id) => seen.get(id)?.lastSeq === 1));

    await ok(await call("PATCH", `/v1/conversations/${ids[3]}`, sam.sessionToken, { status: "resolved" }));
    const resolved = await rowsUntil(inbox, (seen) => seen.get(ids[3]!)?.status === "resolved");
    expect(resolved.get(ids[3]!)!.version).toBeGreaterThan(rows.get(ids[3]!)!.version);

    // A note changes no row and is never sent here.
    await ok(await call("POST", `/v1/conversations/${ids[4]}/notes`, sam.sessionToken, { clientId: "n", text: "psst" }), 201);
    await new Promise((r) => setTimeout(r, 1_500));
    const rest = await inbox.drain();
    expect(rest.some((f) => f.type === "note")).toBe(false);
    expect(inbox.raw.join("\n")).not.toContain("psst");
    expect(inbox.raw.join("\n")).not.toContain(elsewhere.conversationId);
    expect(byKey.raw.join("\n")).not.toContain(elsewhere.conversationId);
  });

  it("reaches a socket opened after the shards stopped sending to a hub without sockets", async () => {
    const tenant = await newTenant();
    const customers = await writeUnwatched(tenant, "c");

    const inbox = await openInbox(tenant.apiKey);
    for (const c of customers) await say(c, "after");
    const ids = customers.map((c) => c.conversationId);
    await rowsUntil(inbox, (seen) => ids.every((id) => seen.get(id)?.lastSeq === 2));
  });

  it("wakes the shards for the first socket only; once every socket closed and the shards went quiet, the next one wakes them again", async () => {
    const tenant = await newTenant();
    // How many times each shard was told to send again (the hub's `listen`).
    const listens = () =>
      Promise.all(
        Array.from({ length: INBOX_SHARDS }, (_, k) =>
          runInDurableObject(env.INBOX.getByName(shardNameAt(tenant.id, k)), (shard: InboxFeed) => (shard as unknown as { listens: number }).listens),
        ),
      );
    const first = await openInbox(tenant.apiKey);
    const told = await listens();
    expect(told.every((n) => n >= 1)).toBe(true);
    const second = await openInbox(tenant.apiKey);
    expect(await listens()).toEqual(told);

    first.ws.close(1000, "bye");
    second.ws.close(1000, "bye");
    await Promise.all([first.closed, second.closed]);
    const customers = await writeUnwatched(tenant, "q");

    const third = await openInbox(tenant.apiKey);
    expect((await listens()).some((n, k) => n > told[k]!)).toBe(true);
    for (const c of customers) await say(c, "watched again");
    const ids = customers.map((c) => c.conversationId);
    await rowsUntil(third, (seen) => ids.every((id) => seen.get(id)?.lastSeq === 2));
  });

  it("is for business callers; agent sign-out closes it with 4008", async () => {
    const tenant = await newTenant();
    const customer = await customerOf(tenant, "zed");
    expect(await closedWith(customer.token)).toEqual({ code: 4003, reason: "forbidden" });
    expect(await closedWith("not-a-token")).toMatchObject({ code: 4001 });

    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    const inbox = await openInbox(sam.sessionToken);
    expect((await call("DELETE", "/v1/agent-sessions/current", sam.sessionToken)).status).toBe(204);
    expect(await inbox.closed).toEqual({ code: 4008, reason: "token_revoked" });
    expect(await closedWith(sam.sessionToken)).toEqual({ code: 4008, reason: "token_revoked" });
  });
});
