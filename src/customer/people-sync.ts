// Keeps this person's row in the D1 people index current: name, guest and
// last seen, pushed shortly after a session opens or the profile changes.
// Pushes are gathered (at most one per PUSH_INTERVAL_MS) and versioned, so a
// late push never moves the row back; a failed push is retried by alarm.
import { isGuestId } from "../ids";
import { recordPerson } from "../broadcast/people";

/** Changes within this window collapse into one push. */
const PUSH_DELAY_MS = 100;
const PUSH_INTERVAL_MS = 1_000;

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
  }
}
