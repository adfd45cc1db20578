// Keeps this person's row in the D1 people index current: name, guest and
// last seen, pushed shortly after a session opens or the profile changes.
// Pushes are gathered (at most one per PUSH_INTERVAL_MS) and versioned, so a
// late push never moves the row back; a failed push is retried by alarm.
// Last seen is kept to LAST_SEEN_PRECISION_MS: a session that changes nothing
// else within that time of the last push writes nothing to D1 (a busy person
// opening sessions on many devices cost one D1 write each before).
import { isGuestId } from "../ids";
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

/** The push of one person's facts to the D1 people index. */
export class PeopleSync {
  private push: Promise<void> | null = null;
  private dirty = false;
  private pushedAt = 0;
  /** factsKey of the last successful push, since this object woke (null: push on the next sighting). */
  private pushedFacts: string | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly db: D1Database,
    private readonly facts: () => PersonFacts,
    private readonly retryLater: () => Promise<void>,
  ) {
    // Not in the versioned schema list: a table of its own, so this module
    // merges cleanly beside other changes to src/customer/schema.ts.
    sql.exec("CREATE TABLE IF NOT EXISTS people_sync (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, last_seen_at TEXT NOT NULL, pushed INTEGER NOT NULL)");
  }

  /** The person was just seen (a session opened or refreshed) or their profile changed. */
  seen(now = new Date()): void {
    const row = this.sql.exec<{ last_seen_at: string; pushed: number }>("SELECT last_seen_at, pushed FROM people_sync WHERE id = 1").toArray()[0];
    const unchanged = row?.pushed === 1 && this.pushedFacts === factsKey(this.facts());
    if (unchanged && now.getTime() - Date.parse(row.last_seen_at) < LAST_SEEN_PRECISION_MS) return;
    this.sql.exec(
      `INSERT INTO people_sync (id, version, last_seen_at, pushed) VALUES (1, 1, ?, 0)
       ON CONFLICT (id) DO UPDATE SET version = version + 1, last_seen_at = excluded.last_seen_at, pushed = 0`,
      now.toISOString(),
    );
    this.schedule();
  }

  /** Pushes what is not pushed yet (from the alarm, after a failure). */
  async flush(): Promise<void> {
    const row = this.sql.exec<{ pushed: number }>("SELECT pushed FROM people_sync WHERE id = 1").toArray()[0];
    if (row && row.pushed === 0) this.schedule();
    await this.push;
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
    const row = this.sql
      .exec<{ version: number; last_seen_at: string }>("SELECT version, last_seen_at FROM people_sync WHERE id = 1")
      .toArray()[0];
    if (!tenant || !userId || !row) return;
    await recordPerson(this.db, {
      tenant,
      userId,
      name: name ?? null,
      guest: isGuestId(userId),
      lastSeenAt: row.last_seen_at,
      version: row.version,
    });
    this.sql.exec("UPDATE people_sync SET pushed = 1 WHERE id = 1 AND version = ?", row.version);
    this.pushedFacts = factsKey({ tenant, userId, name });
  }
}
