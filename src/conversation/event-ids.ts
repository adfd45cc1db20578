// Event ids derived from the log's own prefix and the event's seq, so a
// lookup by id parses the seq and the log keeps no index over ids (an append
// updates one b-tree less: bench/BENCHMARKS.md, "Follow-up (branch
// perf-spread2)"). The id keeps the shape of a random one, `evt_` and 22
// base62 characters: 15 random ones made once per conversation (the prefix,
// kept in `meta`; ≈ 89 bits, so ids stay globally unique) and 7 base-36 ones
// encoding the seq scrambled by an odd multiplier mod 2^32 (so neighbouring
// events' ids do not look sequential; API.md: ids are opaque). Ids written
// before Conversation schema step 5 were random; they resolve through the
// `event_ids` table that step wrote once (EventStore.byId).
import { newId } from "../ids";

/** Odd, so multiplying by it mod 2^32 is a bijection; UNSCRAMBLE is its inverse mod 2^32. */
const SCRAMBLE = 0x9e3779b1;
const UNSCRAMBLE = 0x0e8b2f51;

/** A new log's prefix: 15 base62 characters from the CSPRNG. */
export function newEventPrefix(): string {
  return newId("e", 15).slice(2);
}

/** The id of event `seq` (below 2^32: more than any log a Durable Object can hold) of the log with `prefix`. */
export function eventIdOf(prefix: string, seq: number): string {
  return `evt_${prefix}${(Math.imul(seq, SCRAMBLE) >>> 0).toString(36).padStart(7, "0")}`;
}

/**
 * The seq a derived id encodes. Any other string gives some number (or 0):
 * the caller must check the id against the row it finds there.
 */
export function seqOfEventId(id: string): number {
  return Math.imul(parseInt(id.slice(-7), 36) || 0, UNSCRAMBLE) >>> 0;
}
