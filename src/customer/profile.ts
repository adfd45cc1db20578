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

  /**
   * Stores the given fields (undefined ones are left as they are). A field
   * that already holds the value is not written: every sign-in sets the
   * profile from its identity token, which is almost always unchanged. This
   * object is the profile's only writer, so the cache stays exact.
   */
  set(fields: Partial<ProfileFields>): void {
    let current = this.get();
    for (const [key, value] of Object.entries(fields) as [Key, string | undefined][]) {
      if (value === undefined || current[key] === value) continue;
      this.sql.exec(
        "INSERT INTO profile (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        value,
      );
      current = { ...current, [key]: value };
    }
    this.cached = current;
  }
}
