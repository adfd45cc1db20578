// A busy thread's pushes take the events from memory (the event store hands
// each append to DirectorySync): after a burst, the directory row shows the
// last message's preview, and every message's text is found by search.
import { describe, expect, it } from "vitest";
import { customerOf, list, newTenant, rowWhen, say } from "./directory-helpers";
import { eventually } from "./helpers";

describe("directory after a burst", () => {
  it("shows the last message and finds every text of a burst sent while pushes run", { timeout: 30_000 }, async () => {
    const tenant = await newTenant();
    const c = await customerOf(tenant, "burst");
    await rowWhen(tenant.id, c.conversationId, () => true);
    // Three waves: the first push of the spell, then appends that arrive while pushes are under way.
    let n = 0;
    for (let wave = 0; wave < 3; wave++) {
      for (let i = 0; i < 8; i++) await say(c, `burst${++n}yak`);
      await new Promise((r) => setTimeout(r, 400));
    }
    const row = await rowWhen(tenant.id, c.conversationId, (r) => r.lastSeq === n);
    expect(row.lastEvent).toMatchObject({ seq: n, preview: `burst${n}yak` });
    for (let i = 1; i <= n; i++) {
      const page = await eventually(() => list(tenant.apiKey, `q=burst${i}yak`), (p) => p.conversations.length > 0);
      expect(page.conversations[0]?.match?.snippet).toContain(`burst${i}yak`);
    }
  });
});
