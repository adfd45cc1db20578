// Pure broadcast rules: when `localTime` falls in a person's timezone, and
// how label expressions are checked.
import { describe, expect, it } from "vitest";
import { parseLabelExpr } from "../../src/broadcast/label-expr.ts";
import { isTimeZone, nextLocalTime } from "../../src/broadcast/local-time.ts";

const wall = (d: Date, tz: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: tz, dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(d);

describe("nextLocalTime", () => {
  it("is later today when the time is still ahead, else tomorrow", () => {
    expect(nextLocalTime("09:00", "Asia/Kolkata", new Date("2026-06-01T02:00:00Z")).toISOString()).toBe("2026-06-01T03:30:00.000Z");
    expect(nextLocalTime("09:00", "Asia/Kolkata", new Date("2026-06-01T04:00:00Z")).toISOString()).toBe("2026-06-02T03:30:00.000Z");
  });

  it("follows daylight saving time, and sends just after a skipped hour", () => {
    const summer = nextLocalTime("10:00", "Europe/Berlin", new Date("2026-07-01T00:00:00Z"));
    expect(summer.toISOString()).toBe("2026-07-01T08:00:00.000Z");
    const winter = nextLocalTime("10:00", "Europe/Berlin", new Date("2026-12-01T00:00:00Z"));
    expect(winter.toISOString()).toBe("2026-12-01T09:00:00.000Z");
    // 02:30 does not exist in Berlin on 2026-03-29: the clock jumps from 02:00 to 03:00.
    const gap = nextLocalTime("02:30", "Europe/Berlin", new Date("2026-03-28T12:00:00Z"));
    expect(wall(gap, "Europe/Berlin")).toBe("29/03/2026, 03:30");
  });

  it("the current minute counts as now", () => {
    const now = new Date("2026-06-01T12:00:30Z");
    expect(nextLocalTime("12:00", "UTC", now).getTime()).toBe(now.getTime());
  });

  it("knows IANA zones", () => {
    expect(isTimeZone("America/New_York")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("parseLabelExpr", () => {
  it("accepts nested expressions within the limits", () => {
    const expr = { and: ["vip", { or: ["de", "fr"] }, { not: "churned" }] };
    expect(parseLabelExpr(expr, "labels")).toEqual({ ok: true, expr });
  });

  it("names the path of every error", () => {
    const result = parseLabelExpr({ and: ["ok", { nand: ["x"] }, { or: "not-an-array" }, 7] }, "audience.labels");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual([
      "audience.labels.and.1.nand",
      "audience.labels.and.2.or",
      "audience.labels.and.3",
    ]);
  });
});
