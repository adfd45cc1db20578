// carryover/testing: Carryover booted in-process with Miniflare. Bindings
// come from wrangler.toml, migrations are applied, each tenant is isolated,
// and dispose() gives back the port and every file it made.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { createClient, type ConversationHandle } from "../../src/client/index.ts";
import { startCarryover, type Carryover, type TestTenant } from "../../src/testing/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The contents of the messages a conversation handle shows as committed events. */
function messages(thread: ConversationHandle): unknown[] {
  return thread.items.flatMap((i) => (i.event?.type === "message.created" ? [i.event.content] : []));
}

/** A customer of `tenant` opens their conversation through the SDK and writes. */
async function customerWrites(cv: Carryover, tenant: TestTenant, sub: string, text: string): Promise<ConversationHandle> {
  const client = createClient({ baseUrl: cv.url, tenant: tenant.id, identityToken: () => tenant.mintIdentityToken(sub, { name: sub }) });
  await client.connect();
  const thread = await client.conversation();
  thread.send({ type: "text", text });
  await until(() => messages(thread).length > 0, "the message to be acknowledged");
  return thread;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.once("error", () => resolvePort(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolvePort(true)));
  });
}

describe("carryover/testing", () => {
  let cv: Carryover;
  beforeAll(async () => {
    cv = await startCarryover();
  });
  afterAll(async () => {
    await cv?.dispose();
  });

  it("runs every binding of wrangler.toml and applies every migration", async () => {
    const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
    const named = (list: { name?: string; binding?: string }[] | undefined) => (list ?? []).map((b) => b.name ?? b.binding ?? "");
    const expected = [
      ...named(config.durable_objects.bindings),
      ...named(config.d1_databases),
      ...named(config.r2_buckets),
      ...named(config.queues.producers),
      ...named(config.kv_namespaces),
      ...Object.keys(config.vars),
      ...(config.assets?.binding ? [config.assets.binding] : []),
    ];
    const bindings = await cv.miniflare.getBindings();
    expect(Object.keys(bindings)).toEqual(expect.arrayContaining(expected));

    const migrations = readdirSync(join(ROOT, "migrations")).filter((f) => f.endsWith(".sql")).sort();
    for (const db of config.d1_databases) {
      const d1 = await cv.miniflare.getD1Database(db.binding);
      const applied = await d1.prepare(`SELECT name FROM ${db.migrations_table ?? "d1_migrations"} ORDER BY id`).all<{ name: string }>();
      expect(applied.results.map((r) => r.name)).toEqual(migrations);
    }
  });

  it("serves the API and the static assets", async () => {
    const api = await fetch(`${cv.url}/v1`);
    expect(api.status).toBe(200);
    const widget = await fetch(`${cv.url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get("content-type")).toMatch(/javascript/);
    expect((await widget.text()).length).toBeGreaterThan(1000);
  });

  it("gives the tenant keys and tokens that Carryover accepts, with the roles they claim", async () => {
    const { tenant } = cv;
    const thread = await customerWrites(cv, tenant, "alice", "hello from alice");
    // The bot key answers through the Send API; the customer's SDK sees it live.
    const send = await fetch(`${cv.url}/v1/conversations/${thread.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ clientId: "bot-1", content: { type: "text", text: "hi alice" }, sender: { role: "bot", id: "shop-bot" } }),
    });
    expect(send.status).toBe(201);
    await until(() => thread.items.some((i) => i.event?.sender.role === "bot"), "the bot's answer on the customer's device");

    // The admin-role key is a business key of the same tenant: it reads the thread.
    const asAdmin = await fetch(`${cv.url}/v1/conversations/${thread.id}/events`, { headers: { authorization: `Bearer ${tenant.adminKey}` } });
    expect(asAdmin.status).toBe(200);

    // An agent token is not a customer identity token (aud "carryover:agent").
    const agentToken = await tenant.mintAgentToken("agent-1", { name: "Ann" });
    expect(decodeJwt(agentToken)).toMatchObject({ aud: "carryover:agent", iss: tenant.id, sub: "agent-1", name: "Ann", role: "agent" });
    const asCustomer = await fetch(`${cv.url}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: tenant.id, identityToken: agentToken }),
    });
    expect(asCustomer.status).toBe(401);
  });

  it("mints agent tokens that open agent sessions", async () => {
    const { tenant } = cv;
    const res = await fetch(`${cv.url}/v1/agent-sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: tenant.id, identityToken: await tenant.mintAgentToken("ann", { name: "Ann", role: "supervisor" }) }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ agent: { id: "ann", name: "Ann", role: "supervisor" } });
  });

  it("keeps tenants apart: same user id, other person; no key or token crosses over", async () => {
    const a = cv.tenant;
    const b = await cv.createTenant();
    expect(b.id).not.toBe(a.id);
    const inA = await customerWrites(cv, a, "sam", "secret in tenant a");
    const inB = await customerWrites(cv, b, "sam", "hello in tenant b");
    expect(inB.id).not.toBe(inA.id);
    expect(messages(inB)).toEqual([{ type: "text", text: "hello in tenant b" }]);

    // B's keys cannot read or write A's conversation.
    for (const key of [b.apiKey, b.adminKey]) {
      const read = await fetch(`${cv.url}/v1/conversations/${inA.id}/events`, { headers: { authorization: `Bearer ${key}` } });
      expect(read.status).toBe(404);
      const write = await fetch(`${cv.url}/v1/conversations/${inA.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ clientId: "x", content: { type: "text", text: "intruder" }, sender: { role: "bot", id: "intruder" } }),
      });
      expect(write.status).toBe(404);
    }
    // A token signed for B does not open a session in A.
    const crossed = await fetch(`${cv.url}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: a.id, identityToken: await b.mintIdentityToken("sam") }),
    });
    expect(crossed.status).toBe(401);
  });

  it("keeps what was written across a restart on the same port", async () => {
    const thread = await customerWrites(cv, cv.tenant, "rita", "before the restart");
    const url = cv.url;
    await cv.restart();
    expect(cv.url).toBe(url);
    const res = await fetch(`${cv.url}/v1/conversations/${thread.id}/events`, { headers: { authorization: `Bearer ${cv.tenant.apiKey}` } });
    expect(res.status).toBe(200);
    const { events } = (await res.json()) as { events: { content?: { text?: string } }[] };
    expect(events.map((e) => e.content?.text)).toContain("before the restart");
  });
});

describe("carryover/testing dispose", () => {
  it("frees the port and removes every file it made", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "carryover-kit-"));
    const before = process.env.TMPDIR;
    // Miniflare and the kit put their temporary files under os.tmpdir().
    process.env.TMPDIR = scratch;
    try {
      const cv = await startCarryover();
      const port = Number(new URL(cv.url).port);
      expect(readdirSync(scratch).length).toBeGreaterThan(0);
      expect(existsSync(cv.persistDir)).toBe(true);
      await customerWrites(cv, cv.tenant, "dora", "something to store");
      await cv.dispose();
      await cv.dispose(); // idempotent
      await expect(fetch(`${cv.url}/v1`)).rejects.toThrow();
      expect(await portIsFree(port)).toBe(true);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("boots from any working directory, also one the package is not inside", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "carryover-cwd-"));
    const cwd = process.cwd();
    process.chdir(elsewhere);
    try {
      const cv = await startCarryover();
      expect((await fetch(`${cv.url}/v1`)).status).toBe(200);
      await cv.dispose();
    } finally {
      process.chdir(cwd);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("persists to a folder it leaves in place, and a new instance finds the data there", async () => {
    const folder = mkdtempSync(join(tmpdir(), "carryover-persist-"));
    try {
      const first = await startCarryover({ persistTo: folder });
      const thread = await customerWrites(first, first.tenant, "pia", "kept on disk");
      await first.dispose();
      expect(readdirSync(join(folder, "v3")).sort()).toEqual(expect.arrayContaining(["d1", "do"]));

      const second = await startCarryover({ persistTo: folder });
      try {
        // No tenant id on either start: cv.tenant is the same tenant, its own key reads the thread.
        expect(second.tenant.id).toBe(first.tenant.id);
        const res = await fetch(`${second.url}/v1/conversations/${thread.id}/events`, { headers: { authorization: `Bearer ${second.tenant.apiKey}` } });
        expect(res.status).toBe(200);
        const { events } = (await res.json()) as { events: { content?: { text?: string } }[] };
        expect(events.map((e) => e.content?.text)).toContain("kept on disk");
      } finally {
        await second.dispose();
      }
      expect(existsSync(folder)).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("starts again on a persistTo folder with a fixed tenant id: same tenant, same credentials, the data reachable", async () => {
    const folder = mkdtempSync(join(tmpdir(), "carryover-persist-"));
    const options = { persistTo: folder, tenant: { id: "shop-fixed" } };
    /** The customer's thread on `cv`, opened with a token minted by `cv.tenant`; its texts once it shows `text`. */
    async function customerSees(cv: Carryover, text: string): Promise<{ id: string; texts: unknown[] }> {
      const client = createClient({ baseUrl: cv.url, tenant: cv.tenant.id, identityToken: () => cv.tenant.mintIdentityToken("quinn", { name: "Quinn" }) });
      try {
        await client.connect();
        const thread = await client.conversation();
        await until(() => messages(thread).some((c) => (c as { text?: string }).text === text), `"${text}" in the customer's thread`);
        return { id: thread.id, texts: messages(thread) };
      } finally {
        client.close();
      }
    }
    try {
      const first = await startCarryover(options);
      const kept = { tenant: { ...first.tenant }, adminToken: first.adminToken };
      const other = await first.createTenant({ id: "shop-other" });
      let threadId: string;
      try {
        const client = createClient({ baseUrl: first.url, tenant: "shop-fixed", identityToken: () => first.tenant.mintIdentityToken("quinn", { name: "Quinn" }) });
        await client.connect();
        const thread = await client.conversation();
        thread.send({ type: "text", text: "written on the first run" });
        await until(() => messages(thread).length > 0, "the message to be acknowledged");
        threadId = thread.id;
        client.close();
      } finally {
        await first.dispose();
      }

      const second = await startCarryover(options); // answered 409 "tenant shop-fixed already exists" before
      try {
        expect(second.tenant).toMatchObject({ id: "shop-fixed", identitySecret: kept.tenant.identitySecret, apiKey: kept.tenant.apiKey, adminKey: kept.tenant.adminKey });
        expect(second.adminToken).toBe(kept.adminToken);
        const admin = await fetch(`${second.url}/v1/admin/tenants/shop-fixed`, { headers: { authorization: `Bearer ${second.adminToken}` } });
        expect(admin.status).toBe(200);
        // A token minted on this run signs the same customer in, back in their thread.
        expect(await customerSees(second, "written on the first run")).toMatchObject({ id: threadId });
        const send = await fetch(`${second.url}/v1/conversations/${threadId}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${second.tenant.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ clientId: "bot-1", content: { type: "text", text: "answered on the second run" }, sender: { role: "bot", id: "shop-bot" } }),
        });
        expect(send.status).toBe(201);
        // Any tenant the kit made in the folder comes back by id, with its keys.
        expect(await second.createTenant({ id: "shop-other" })).toMatchObject({ apiKey: other.apiKey, identitySecret: other.identitySecret });
      } finally {
        await second.dispose();
      }

      const third = await startCarryover({ persistTo: folder }); // no id: cv.tenant is the last start's
      try {
        expect(third.tenant.id).toBe("shop-fixed");
        expect((await customerSees(third, "answered on the second run")).texts).toContainEqual({ type: "text", text: "written on the first run" });
      } finally {
        await third.dispose();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
