// Wall-clock times in a person's IANA timezone, for `localTime` broadcasts.

/** Whether `tz` is an IANA timezone name this runtime knows (e.g. "Europe/Berlin"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The offset of `tz` from UTC at instant `ms`, in ms (positive east of Greenwich). */
function offsetAt(tz: string, ms: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - (ms - (ms % 1000));
}

/**
 * The first instant at or after `now` whose wall-clock time in `tz` is
 * `hhmm` ("HH:MM", 24 h). On a day when a DST change skips that time, the
 * instant the clock shows just after the gap.
 */
export function nextLocalTime(hhmm: string, tz: string, now: Date): Date {
  const [hour, minute] = hhmm.split(":").map(Number) as [number, number];
  const local = new Date(now.getTime() + offsetAt(tz, now.getTime()));
  for (let dayShift = 0; dayShift <= 2; dayShift++) {
    const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + dayShift, hour, minute);
    // Two rounds settle the offset around a DST change.
    let instant = wall - offsetAt(tz, wall);
    instant = wall - offsetAt(tz, instant);
    if (instant >= now.getTime() - 60_000) return new Date(Math.max(instant, now.getTime()));
  }
  return now;
}
