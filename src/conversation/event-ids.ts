// Event ids derived from the log's own prefix and the event's seq, so a
// lookup by id parses the seq and the log keeps no index over ids (an append
// updates one b-tree less: bench/BENCHMARKS.md, "Follow-up (branch
// perf-spread2)"). The id keeps the shape of a random one: `evt_` and 22
// base62 characters — 16 random ones made once per conversation (the prefix,
// kept in `meta`, so ids stay globally unique) and 6 that encode the seq
// scrambled by an odd multiplier mod 2^32 (so neighbouring events' ids do
// not look sequential; API.md: ids are opaque). Ids written before schema
// step 5 were random; they resolve through the `event_ids` table that step
// wrote once (event-store.ts byId).
import { ALPHABET, newId } from "../ids";

const PREFIX_CHARS = 16;
const SEQ_CHARS = 6;
/** Odd, so multiplying by it mod 2^32 is a bijection; UNSCRAMBLE is its inverse mod 2^32. */
const SCRAMBLE = 0x9e3779b1;
const UNSCRAMBLE = 0x0e8b2f51;

/** A new log's prefix: 16 base62 characters from the CSPRNG (≈ 95 bits). */
export function newEventPrefix(): string {
  return newId("e", PREFIX_CHARS).slice(2);
}

/**
 * The id of event `seq` of the log with `prefix`. `seq` must be below 2^32
 * (62^6 > 2^32 > any log a Durable Object's storage can hold).
 */
export function eventIdOf(prefix: string, seq: number): string {
  let n = Math.imul(seq, SCRAMBLE) >>> 0;
  let tail = "";
  for (let i = 0; i < SEQ_CHARS; i++, n = Math.floor(n / 62)) tail = ALPHABET[n % 62] + tail;
  return `evt_${prefix}${tail}`;
}

/** The seq a derived id encodes (whichever log's prefix it has: the caller checks the id against the row); null when it is not of that shape. */
export function seqOfEventId(id: string): number | null {
  if (id.length !== 4 + PREFIX_CHARS + SEQ_CHARS) return null;
  let n = 0;
  for (const c of id.slice(-SEQ_CHARS)) {
    const digit = ALPHABET.indexOf(c);
    if (digit < 0) return null;
    n = n * 62 + digit;
  }
  return n > 0xffffffff ? null : Math.imul(n, UNSCRAMBLE) >>> 0;
}
