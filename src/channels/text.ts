// Text limits of the platforms, counted in Unicode code points (what Meta's
// limits count), never cutting a surrogate pair in half.

/** `text` cut to at most `max` code points, ending in "…" when it was cut. */
export function truncate(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join("").trimEnd()}…`;
}

/** The number of code points of `text`. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `max` code points of `text`, cut without a mark (for ids, which must come back as sent). */
export function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join("");
}
