// Display names that cannot spoof: what a person or a business calls itself
// is shown next to messages, so it may not reorder the text around it, hide
// characters, or run on without end. Zod-free, so any side can use it.
import { wellFormed } from "./text";

/** The longest display name, in code points (a surrogate pair is never split). */
export const MAX_NAME_CODE_POINTS = 64;

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks: Unicode
 * UAX #9 §2, plus U+061C) and invisible characters (zero-width space, word
 * joiner and invisible operators, BOM, Mongolian vowel separator, soft
 * hyphen; the blank-looking Hangul fillers U+115F, U+1160, U+3164, U+FFA0
 * and Braille blank U+2800; tag characters U+E0000–U+E007F except in an
 * emoji flag's tag sequence after U+1F3F4), and C0/C1 controls. U+202E in a
 * name turns "Hi Eve, how can we help?" around; a zero-width character
 * makes two names look the same.
 * The joiners U+200C and U+200D stay only where a script or emoji needs
 * them (after a virama or other script-specific mark, inside Arabic-script
 * words as Persian writes them, between emoji: the contexts of UTS #39 and
 * IDNA's CONTEXTJ, simplified); between Latin letters they would be invisible.
 */
const SCRIPT_MARK = "(?!\\p{sc=Inherited})\\p{M}";
const JOINS_AFTER = `(?:${SCRIPT_MARK}|\\p{sc=Arabic}|\\p{Extended_Pictographic}|[\\u{1F3FB}-\\u{1F3FF}\\u{FE0F}])`;
const UNSAFE = new RegExp(
  [
    // eslint-disable-next-line no-control-regex
    "[\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u115f\\u1160\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\u2800\\u3164\\ufeff\\uffa0]",
    "(?<!\\u{1F3F4}[\\u{E0020}-\\u{E007E}]*)[\\u{E0000}-\\u{E007F}]",
    `(?<!${JOINS_AFTER})[\\u200c\\u200d]`,
    `(?<!${SCRIPT_MARK})[\\u200c\\u200d](?![\\p{L}\\p{M}\\p{Extended_Pictographic}])`,
  ].join("|"),
  "gu",
);

/**
 * `raw` as a display name: unsafe characters and lone surrogates (half a
 * character, see text.ts wellFormed) removed, white space collapsed,
 * at most `max` code points. Returns undefined when nothing visible is left.
 */
export function cleanName(raw: string, max = MAX_NAME_CODE_POINTS): string | undefined {
  const visible = wellFormed(raw.replace(UNSAFE, ""), "").replace(/\s+/gu, " ").trim();
  const clipped = Array.from(visible).slice(0, max).join("").trim();
  return clipped.length > 0 ? clipped : undefined;
}
