// A guest's tokens (hashed; several when the guest handed off to other
// devices) and its one-way merge into an identified person. A merge is
// claimed first (the guest stops working at once), then confirmed when the
// person's DO holds the threads; until confirmed, only the same person may
// claim again, so a merge interrupted half-way can be finished, never redone.
import { ServiceError } from "../protocol/errors";
import type { Profile } from "./profile";

export class GuestTokens {
  constructor(
    private readonly sql: SqlStorage,
    private readonly profile: Profile,
  ) {}

  add(hash: string, now = new Date()): void {
    this.sql.exec("INSERT OR IGNORE INTO guest_tokens (hash, created_at) VALUES (?, ?)", hash, now.toISOString());
  }

  /** Fails unless the guest is still a guest and `hash` is one of its tokens. */
  check(hash: string): void {
    this.assertNotMerged();
    if (!this.has(hash)) throw new ServiceError("invalid_token", "guest token is invalid");
  }

  /**
   * Throws token_revoked once the guest merged into a person or signed out
   * everywhere: its tokens and sessions start nothing new.
   */
  assertNotMerged(): void {
    this.assertUnmerged();
    if (this.profile.get().guestRevokedAt !== undefined) {
      throw new ServiceError("token_revoked", "this guest signed out everywhere; the guest token no longer works");
    }
  }

  /**
   * Throws token_revoked once the guest merged into a person (a sign-out
   * everywhere does not count: see Customer.openConversation).
   */
  assertUnmerged(): void {
    if (this.profile.get().mergedInto !== undefined) {
      throw new ServiceError("token_revoked", "this guest has signed in; the guest token was merged and no longer works");
    }
  }

  /** Starts (or resumes, for the same person) the merge of this guest into `into`. */
  claim(hash: string, into: string): void {
    const { mergedInto, mergeConfirmedAt } = this.profile.get();
    if (mergedInto === undefined) {
      this.check(hash);
      this.profile.set({ mergedInto: into });
      return;
    }
    if (mergedInto !== into || mergeConfirmedAt !== undefined) {
      throw new ServiceError("token_revoked", "this guest token was already merged");
    }
    if (!this.has(hash)) throw new ServiceError("invalid_token", "guest token is invalid");
  }

  /** Sign-out everywhere: no guest token of this guest opens a session or merges again. */
  revokeAll(now = new Date()): void {
    if (this.sql.exec("SELECT 1 FROM guest_tokens LIMIT 1").toArray().length === 0) return;
    this.sql.exec("DELETE FROM guest_tokens");
    this.profile.set({ guestRevokedAt: now.toISOString() });
  }

  confirm(into: string, now = new Date()): void {
    if (this.profile.get().mergedInto === into) this.profile.set({ mergeConfirmedAt: now.toISOString() });
  }

  private has(hash: string): boolean {
    return this.sql.exec("SELECT 1 FROM guest_tokens WHERE hash = ?", hash).toArray().length > 0;
  }
}
