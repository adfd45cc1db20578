// Paging snapshots by epoch (src/directory/conversation-index.ts): a row
// replaced while no paging run of its tenant has started since it was
// written goes to no history (a busy thread's pushes cost D1 one row each,
// not two), yet every run — also two overlapping ones, and rows changing
// twice during a run — still neither repeats nor skips a row.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { customerOf, list, newTenant, rowWhen, say, type Customer } from "./directory-helpers";

async function historyRows(tenant: string, id: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM directory_history WHERE tenant = ? AND id = ?").bind(tenant, id).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Pages a run from `cursor` to its end; the ids it returned. */
async function rest(token: string, cursor: string | null): Promise<string[]> {
  const ids: string[] = [];
  while (cursor) {
    const page = await list(token, `limit=2&cursor=${encodeURIComponent(cursor)}`);
    ids.push(...page.conversations.map((r) => r.id));
    cursor = page.cursor;
  }
  return ids;
}

/** Says `text` and waits until the directory row has that message. */
async function bump(tenant: string, c: Customer, text: string, seq: number): Promise<void> {
  await say(c, text);
  await rowWhen(tenant, c.conversationId, (r) => r.lastSeq === seq);
}

describe("directory epochs", () => {
  it("writes no history while no run reads, one per run started before a change, and keeps each run's snapshot", { timeout: 40_000 }, async () => {
    const tenant = await newTenant();
    const customers: Customer[] = [];
    for (let i = 0; i < 6; i++) customers.push(await customerOf(tenant, `e${i}`));
    for (const c of customers) await rowWhen(tenant.id, c.conversationId, () => true);
    const all = new Set(customers.map((c) => c.conversationId));
    const [a, b] = customers;

    // No paging run yet: a thread's pushes replace its row without copying it.
    await bump(tenant.id, a!, "before any run", 1);
    expect(await historyRows(tenant.id, a!.conversationId)).toBe(0);

    // Run 1 starts; then `b` changes twice (two pushes): one history row, the one run 1 may read.
    const run1 = await list(tenant.apiKey, "limit=2");
    const seen1 = run1.conversations.map((r) => r.id);
    await bump(tenant.id, b!, "during run one", 1);
    await bump(tenant.id, b!, "again during run one", 2);
    expect(await historyRows(tenant.id, b!.conversationId)).toBe(1);

    // Run 2 starts while run 1 is open; `b` and `a` change again: one more history row each.
    const run2 = await list(tenant.apiKey, "limit=2");
    const seen2 = run2.conversations.map((r) => r.id);
    await bump(tenant.id, b!, "during run two", 3);
    await bump(tenant.id, a!, "during run two", 2);
    expect(await historyRows(tenant.id, b!.conversationId)).toBe(2);
    expect(await historyRows(tenant.id, a!.conversationId)).toBe(1);

    // Each run, paged to its end, returns every thread exactly once.
    seen1.push(...(await rest(tenant.apiKey, run1.cursor)));
    seen2.push(...(await rest(tenant.apiKey, run2.cursor)));
    for (const seen of [seen1, seen2]) {
      expect(seen).toHaveLength(all.size);
      expect(new Set(seen)).toEqual(all);
    }
    // Run 2 began after `b`'s two changes: it lists `b` first (updated last before it began).
    expect(seen2[0]).toBe(b!.conversationId);
    // A new run sees the latest order: `a` changed last.
    expect((await list(tenant.apiKey, "limit=1")).conversations[0]?.id).toBe(a!.conversationId);
  });
});
