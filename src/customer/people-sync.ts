// Keeps this person's row in the D1 people index current: name, guest and
// last seen, pushed shortly after a session opens or the profile changes.
// Pushes are gathered (at most one per PUSH_INTERVAL_MS) and versioned, so a
// late push never moves the row back; a failed push is retried by alarm.
// Last seen is kept to LAST_SEEN_PRECISION_MS: a session that changes nothing
// else within that time of the last push writes nothing to D1 (a busy person
// opening sessions on many devices cost one D1 write each before). What was
// pushed is stored beside the row, so a person whose object was evicted and
// wakes for a session costs no D1 write either; the row is read once per wake.
import { isGuestLike } from "../ids";
import { recordPerson } from "../broadcast/people";

/** Changes within this window collapse into one push. */
const PUSH_DELAY_MS = 100;
const PUSH_INTERVAL_MS = 1_000;
/** How precise the index's lastSeenAt is: a later sighting within this of the pushed one, with the same facts, is not pushed. */
export const LAST_SEEN_PRECISION_MS = 5 * 60_000;

/** The facts a push carries besides the last-seen time, as one comparable string. */
function factsKey(facts: PersonFacts): string {
  return JSON.stringify([facts.tenant ?? null, facts.userId ?? null, facts.name ?? null]);
}

/** What the Customer DO's profile says of its person. */
export interface PersonFacts {
  tenant?: string;
  userId?: string;
  name?: string;
}

/** The one row of people_sync: the newest sighting, its version, whether it is pushed, and the facts of the last push. */
interface SyncRow extends Record<string, SqlStorageValue> {
  version: number;
  last_seen_at: string;
  pushed: number;
  /** factsKey of the last successful push; null before the first, or in a row from before this column. */
  facts: string | null;
}

/** The push of one person's facts to the D1 people index (table people_sync: src/customer/schema.ts). */
export class PeopleSync {
  private push: Promise<void> | null = null;
  private dirty = false;
  private pushedAt = 0;
  /** The people_sync row as stored (undefined: not read since this object woke; null: no row yet). This object is its only writer. */
  private row: SyncRow | null | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly db: D1Database,
    private readonly facts: () => PersonFacts,
    private readonly retryLater: () => Promise<void>,
  ) {}

  /** The person was just seen (a session opened or refreshed) or their profile changed. */
  seen(now = new Date()): void {
    const row = this.stored();
    const unchanged = row?.pushed === 1 && row.facts === factsKey(this.facts());
    if (unchanged && now.getTime() - Date.parse(row.last_seen_at) < LAST_SEEN_PRECISION_MS) return;
    this.row = this.sql
      .exec<SyncRow>(
        `INSERT INTO people_sync (id, version, last_seen_at, pushed) VALUES (1, 1, ?, 0)
         ON CONFLICT (id) DO UPDATE SET version = version + 1, last_seen_at = excluded.last_seen_at, pushed = 0
         RETURNING version, last_seen_at, pushed, facts`,
        now.toISOString(),
      )
      .one();
    this.schedule();
  }

  /** Pushes what is not pushed yet (from the alarm, after a failure). */
  async flush(): Promise<void> {
    const row = this.stored();
    if (row && row.pushed === 0) this.schedule();
    await this.push;
  }

  /** The stored row, read once per wake. A table created before the `facts` column gets it here. */
  private stored(): SyncRow | null {
    if (this.row !== undefined) return this.row;
    const read = () => this.sql.exec<SyncRow>("SELECT version, last_seen_at, pushed, facts FROM people_sync WHERE id = 1").toArray()[0] ?? null;
    try {
      this.row = read();
    } catch (err) {
      // Asked only when the read fails, so a wake costs one statement here, not a schema lookup too.
      const columns = this.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('people_sync')").toArray();
      if (columns.some((c) => c.name === "facts")) throw err;
      this.sql.exec("ALTER TABLE people_sync ADD COLUMN facts TEXT");
      this.row = read();
    }
    return this.row;
  }

  private schedule(): void {
    this.dirty = true;
    if (this.push) return;
    this.push = (async () => {
      try {
        while (this.dirty) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(PUSH_DELAY_MS, this.pushedAt + PUSH_INTERVAL_MS - Date.now())));
          this.dirty = false;
          this.pushedAt = Date.now();
          await this.pushNow();
        }
      } catch (err) {
        console.error("people index push failed; retrying by alarm", err);
        await this.retryLater();
      } finally {
        this.push = null;
      }
    })();
  }

  private async pushNow(): Promise<void> {
    const { tenant, userId, name } = this.facts();
    const row = this.stored();
    if (!tenant || !userId || !row) return;
    const facts = factsKey({ tenant, userId, name });
    await recordPerson(this.db, {
      tenant,
      userId,
      name: name ?? null,
      guest: isGuestLike(userId),
      lastSeenAt: row.last_seen_at,
      version: row.version,
    });
    // A sighting recorded while the push was under way keeps its row unpushed (a newer version).
    const pushed = this.sql
      .exec<SyncRow>("UPDATE people_sync SET pushed = 1, facts = ? WHERE id = 1 AND version = ? RETURNING version, last_seen_at, pushed, facts", facts, row.version)
      .toArray()[0];
    if (pushed) this.row = pushed;
  }
}
