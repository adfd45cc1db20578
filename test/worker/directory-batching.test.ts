// The directory written by InboxFeed shards in one D1 batch per flush
// (src/inbox-feed/directory-writes.ts), and the conversation's backstop
// timer kept armed while a thread is busy (src/conversation/directory-sync.ts):
// many threads changing at once still each reach the directory, the search
// index and the inbox feed; a busy thread does not re-arm its alarm per append,
// a spell that ends normally ends without an alarm, and a failed push is retried soon.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BACKSTOP_MS, RETRY_MS } from "../../src/conversation/directory-sync";
import { upsertDirectories } from "../../src/directory/conversation-index";
import { customerOf, list, newTenant, rowWhen, say } from "./directory-helpers";
import { eventually } from "./helpers";

async function directoryTimer(tenant: string, conversationId: string): Promise<number | null> {
  const stub = env.CONVERSATION.getByName(`${tenant}:${conversationId}`);
  return runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ at: number }>("SELECT at FROM timers WHERE kind = 'directory'").toArray()[0]?.at ?? null);
}

describe("directory writes batched per shard", () => {
  it("twelve threads writing at once all reach the directory with their last message, and search finds every text", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const customers = await Promise.all(Array.from({ length: 12 }, (_, i) => customerOf(tenant, `batch-${i}`)));
    await Promise.all(customers.map(async (c, i) => {
      await say(c, `first words ${i}`);
      await say(c, `zebra${i}quokka`);
    }));
    for (const c of customers) {
      const row = await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 2);
      expect(row.lastEvent?.preview).toMatch(/^zebra\d+quokka$/);
    }
    for (const [i, c] of customers.entries()) {
      const page = await eventually(() => list(tenant.apiKey, `q=zebra${i}quokka`), (p) => p.conversations.length > 0);
      expect(page.conversations.map((r) => r.id)).toEqual([c.conversationId]);
    }
  });

  it("several writes in one batch each keep their own version rule: a stale row in the batch changes nothing", async () => {
    const tenant = await newTenant();
    const c = await customerOf(tenant, "stale");
    await say(c, "hello");
    const row = await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 1);
    const other = await customerOf(tenant, "fresh");
    const otherRow = await rowWhen(tenant.id, other.conversationId, () => true);
    await upsertDirectories(env.DB, [
      { entry: { ...row, tenant: tenant.id, version: row.version - 1, status: "resolved" }, texts: [] },
      { entry: { ...otherRow, tenant: tenant.id, version: otherRow.version + 1, status: "resolved" }, texts: [] },
    ]);
    expect((await rowWhen(tenant.id, c.conversationId, () => true)).status).toBe(row.status);
    expect((await rowWhen(tenant.id, other.conversationId, () => true)).status).toBe("resolved");
  });

  it("a batch with more text than one statement takes is indexed whole, and a repeated write indexes nothing twice", async () => {
    const tenant = await newTenant();
    const c = await customerOf(tenant, "long");
    const row = await rowWhen(tenant.id, c.conversationId, () => true);
    // 60 texts of 4,000 characters: 240,000, over the 200,000 one full-text statement carries.
    const texts = Array.from({ length: 60 }, (_, i) => ({ seq: 1001 + i, text: `${`w${i}x`.repeat(10)}${".".repeat(4000 - 10 * `w${i}x`.length)}` }));
    texts[0]!.text = `firstyak ${texts[0]!.text}`.slice(0, 4000);
    texts[59]!.text = `lastyak ${texts[59]!.text}`.slice(0, 4000);
    await upsertDirectories(env.DB, [{ entry: { ...row, tenant: tenant.id, version: row.version + 1 }, texts }]);
    await upsertDirectories(env.DB, [{ entry: { ...row, tenant: tenant.id, version: row.version + 2 }, texts }]);
    for (const q of ["firstyak", "lastyak"]) {
      expect((await list(tenant.apiKey, `q=${q}`)).conversations.map((r) => r.id)).toEqual([c.conversationId]);
    }
    const indexed = await env.DB.prepare("SELECT COUNT(*) AS n FROM directory_search WHERE tenant = ? AND conversation_id = ?")
      .bind(tenant.id, c.conversationId)
      .first<{ n: number }>();
    expect(indexed?.n).toBe(60);
    expect((await rowWhen(tenant.id, c.conversationId, () => true)).version).toBe(row.version + 2);
  });
});

describe("the directory backstop timer", () => {
  it("is armed BACKSTOP_MS ahead by a busy spell's first change and kept while the thread is busy", { timeout: 20_000 }, async () => {
    const tenant = await newTenant();
    // The thread's creation is the spell's first change (the clocks here and in the object differ by a few ms).
    const before = Date.now() - 1_000;
    const c = await customerOf(tenant, "busy");
    await say(c, "m1");
    const armed = await directoryTimer(tenant.id, c.conversationId);
    expect(armed).not.toBeNull();
    expect(armed!).toBeGreaterThanOrEqual(before + BACKSTOP_MS);
    expect(armed!).toBeLessThanOrEqual(Date.now() + 1_000 + BACKSTOP_MS);
    // The next appends of the spell (well inside QUIET_MS of each other) neither write nor move it.
    await say(c, "m2");
    await say(c, "m3");
    expect(await directoryTimer(tenant.id, c.conversationId)).toBe(armed);
    expect((await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 3)).lastEvent?.preview).toBe("m3");
  });

  it("a spell that goes quiet clears its timer without an alarm, and the next spell arms it again", { timeout: 20_000 }, async () => {
    const tenant = await newTenant();
    const c = await customerOf(tenant, "quiet");
    await say(c, "m1");
    await say(c, "m2");
    await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 2);
    // QUIET_MS after the last push the spell is over: no alarm ran (none was made due), the timer is gone.
    expect(await eventually(() => directoryTimer(tenant.id, c.conversationId), (at) => at === null)).toBeNull();
    const stub = env.CONVERSATION.getByName(`${tenant.id}:${c.conversationId}`);
    expect(await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())).toBeNull();
    await say(c, "m3");
    expect(await directoryTimer(tenant.id, c.conversationId)).not.toBeNull();
    expect((await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 3)).lastEvent?.preview).toBe("m3");
  });

  it("a failed push brings the alarm forward to RETRY_MS, and the alarm pushes the change that waits", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const c = await customerOf(tenant, "failing");
    await say(c, "m1");
    await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 1);
    const stub = env.CONVERSATION.getByName(`${tenant.id}:${c.conversationId}`);
    // D1 refuses the shard's batch while the directory table is away: the thread's push of m2 fails.
    await env.DB.exec("ALTER TABLE directory RENAME TO directory_away");
    try {
      const failedAfter = Date.now();
      await say(c, "m2");
      // Armed again BACKSTOP_MS ahead if m1's spell had ended; either way the failure brings it to RETRY_MS.
      const retryAt = await eventually(() => directoryTimer(tenant.id, c.conversationId), (at) => at !== null && at <= Date.now() + 1_000 + RETRY_MS);
      expect(retryAt).not.toBeNull();
      expect(retryAt!).toBeGreaterThanOrEqual(failedAfter - 1_000 + RETRY_MS);
      expect(retryAt!).toBeLessThanOrEqual(Date.now() + 1_000 + RETRY_MS);
      // Held off while the test looks (the object's alarm then finds nothing due): m2 waits for the alarm alone.
      await runInDurableObject(stub, (_o, state) => {
        state.storage.sql.exec("UPDATE timers SET at = ? WHERE kind = 'directory'", Date.now() + 60_000);
      });
    } finally {
      await env.DB.exec("ALTER TABLE directory_away RENAME TO directory");
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await rowWhen(tenant.id, c.conversationId, () => true)).lastSeq).toBe(1);
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE timers SET at = ? WHERE kind = 'directory'", Date.now() - 1);
    });
    await runDurableObjectAlarm(stub);
    expect((await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq >= 2)).lastEvent?.preview).toBe("m2");
  });
});
