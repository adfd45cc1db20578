// Handoff tokens redeemed by this person: each jti works once. Rows are kept
// until the token would have expired anyway, then pruned.
import { ServiceError } from "../protocol/errors";

export class UsedHandoffs {
  constructor(private readonly sql: SqlStorage) {}

  use(jti: string, expiresAt: string, now = new Date()): void {
    this.sql.exec("DELETE FROM used_handoffs WHERE expires_at < ?", now.toISOString());
    if (this.sql.exec("SELECT 1 FROM used_handoffs WHERE jti = ?", jti).toArray().length > 0) {
      throw new ServiceError("token_revoked", "this handoff token was already used");
    }
    this.sql.exec("INSERT INTO used_handoffs (jti, expires_at) VALUES (?, ?)", jti, expiresAt);
  }
}
