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

/** A lone UTF-16 surrogate: half of a character, which is not Unicode text. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE, "g");

/**
 * `s` as Unicode text: each lone surrogate becomes `replacement` (U+FFFD by
 * default, as String.prototype.toWellFormed does). For text Carryover takes
 * rather than refuses (platform webhooks, names): stored, a lone surrogate
 * goes out as a `\\ud800` JSON escape, which strict parsers refuse
 * (RFC 8259 §8.2), so clients and webhook receivers could not read it.
 */
export function wellFormed(s: string, replacement = "\uFFFD"): string {
  return s.replace(LONE_SURROGATES, replacement);
}

/** Why a string with a lone surrogate is refused (API.md "Errors"). */
export const NOT_UNICODE_TEXT = "must be Unicode text (a lone surrogate \\uD800-\\uDFFF is half a character)";

/**
 * The path (`a.b.0`, zod's style; `root` for `value` itself) of the first
 * string or key in parsed JSON `value` that is not Unicode text, or null.
 * Iterative, so a deeply nested body cannot overflow the stack. JSON spells
 * a lone surrogate only as a `\\u` escape, so callers walk only text that
 * has one.
 */
export function loneSurrogateAt(value: unknown, root: string): string | null {
  const stack: [unknown, string][] = [[value, ""]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, path] = next;
    if (typeof v === "string") {
      if (LONE_SURROGATE.test(v)) return path || root;
    } else if (typeof v === "object" && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        const at = path ? `${path}.${key}` : key;
        if (LONE_SURROGATE.test(key)) return at;
        stack.push([child, at]);
      }
    }
  }
  return null;
}

/** Letters that compatibility decomposition leaves whole but searches read as their base letters, and the final sigma. */
const SEARCH_FOLDS: Record<string, string> = { ß: "ss", ς: "σ", ı: "i", ł: "l", ø: "o", đ: "d", æ: "ae", œ: "oe" };

/**
 * `text` as case- and accent-insensitive searches store and compare it (the
 * directory's customer_name, the people index's name_folded, and the query
 * searched in them): compatibility-decomposed (NFKD, Unicode UAX #15), with
 * the combining diacritical marks U+0300–U+036F dropped (é → e, İ → i, ﬁ → fi,
 * full-width Ａ → a) and the rest recomposed (Hangul, kana stay whole), then
 * lower-cased in every script, with ß → ss, ς → σ (Greek's final sigma,
 * which toLowerCase makes at a word's end), ı ł ø đ → i l o d, æ œ → ae oe.
 * SQLite's LIKE and lower() fold ASCII letters only, hence a column of its own.
 * Rows written before 2026-12-02 hold `toLowerCase` alone: the searches
 * compare the query lower-cased too, so those rows are found as before.
 */
export function foldedForSearch(text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .normalize("NFC")
    .toLowerCase()
    .replace(/[ßςıłøđæœ]/g, (c) => SEARCH_FOLDS[c]!);
  // A query of marks or spacing accents alone (´ is a space and a mark in NFKD) would fold to "" or " ",
  // which every name, or every name with a space, contains: such a query is searched as typed.
  return folded.trim() || !text.trim() ? folded : text.toLowerCase();
}
