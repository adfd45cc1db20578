// Cutting text for previews and snippets without splitting a character:
// JavaScript strings are UTF-16, and a cut between the two halves of a
// surrogate pair (an emoji, most CJK extension characters) leaves a lone
// surrogate, which is not Unicode text (RFC 8259 §8.2 calls it
// unpredictable for receivers; JSON.stringify writes it as a \ud800-style escape).

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * `text.slice(start, end)` (UTF-16 code unit offsets, as String.prototype.slice)
 * moved inward so that no surrogate pair is cut: a start inside a pair moves
 * past it, an end inside a pair moves before it. The result is at most
 * `end - start` code units long.
 */
export function sliceWhole(text: string, start: number, end: number = text.length): string {
  let from = Math.max(0, start);
  let to = Math.min(text.length, end);
  if (from > 0 && from < text.length && isLowSurrogate(text.charCodeAt(from)) && isHighSurrogate(text.charCodeAt(from - 1))) from++;
  if (to > 0 && to < text.length && isHighSurrogate(text.charCodeAt(to - 1)) && isLowSurrogate(text.charCodeAt(to))) to--;
  return to > from ? text.slice(from, to) : "";
}
