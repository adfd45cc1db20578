// A short fault soak on a real local server: devices and the bot write over
// HTTP and the live socket through aborted requests, dropped sockets, retries
// and a runtime restart; nothing acknowledged may be lost, duplicated or
// reordered, and every device must end with exactly the server's log.
import { describe, expect, it } from "vitest";
import { formatReport, runSoak } from "../../bench/soak-core.ts";

describe("fault soak", () => {
  it("loses and duplicates nothing through aborts, socket drops and a restart", async () => {
    const report = await runSoak({ devices: 6, devicesPerUser: 3, seconds: 15, restarts: 1, seed: 7 });
    const summary = formatReport(report);
    expect(report.problems, summary).toEqual([]);
    expect(report.lost, summary).toBe(0);
    expect(report.duplicated, summary).toBe(0);
    expect(report.gaps, summary).toBe(0);
    expect(report.mismatches, summary).toBe(0);
    expect(report.orderViolations, summary).toBe(0);
    expect(report.unacked, summary).toBe(0);
    // The faults really happened, so the checks above had something to catch.
    expect(report.restarts).toBe(1);
    expect(report.aborted, summary).toBeGreaterThan(0);
    expect(report.retried, summary).toBeGreaterThan(0);
    expect(report.acked, summary).toBe(report.sent);
    expect(report.serverEvents, summary).toBe(report.sent);
    if (report.live) expect(report.socketDrops, summary).toBeGreaterThan(0);
  }, 180_000);
});
