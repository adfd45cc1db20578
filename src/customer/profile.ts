// Who this Customer DO is for (tenant, user id, name from the identity token)
// and, for a guest, whether it has been merged into an identified person.
export interface ProfileFields {
  tenant: string;
  userId: string;
  name?: string;
  email?: string;
  avatar?: string;
  /** Set on a guest once its threads start moving to this identified user. */
  mergedInto?: string;
  /** When the person's DO confirmed it holds every thread; the merge is final. */
  mergeConfirmedAt?: string;
  /** Set on a guest that signed out everywhere: its guest tokens are void. */
  guestRevokedAt?: string;
}

type Key = keyof ProfileFields;

export class Profile {
  private cached: Partial<ProfileFields> | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(): Partial<ProfileFields> {
    if (!this.cached) {
      const out: Partial<Record<Key, string>> = {};
      for (const row of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM profile")) {
        out[row.key as Key] = row.value;
      }
      this.cached = out;
    }
    return this.cached;
  }

  set(fields: Partial<ProfileFields>): void {
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      this.sql.exec(
        "INSERT INTO profile (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        value,
      );
    }
    this.cached = undefined;
  }
}
