// The RateLimiter Durable Object: one token bucket per key (one object per
// device, per IP, per scope), so a flood from one key is counted exactly and
// never slows or starves another key. A DO rather than the Workers Rate
// Limiting binding because that binding counts per location, eventually
// consistent, with limits fixed in wrangler.toml and periods of 10 or 60 s
// only; here limits come from vars and per-tenant config, and count exactly.
// The bucket lives in memory and is saved to SQLite at most once a second
// (and on every refusal): a durable write on every request would hold each
// answer behind a commit. An evicted or restarted object resumes from the
// last save, so it forgets at most a second of counting — only ever lenient.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { applyMigrations } from "../sql-migrate";
import { takeToken, takeTokens, type BucketLimit, type BucketState, type TakeOutcome } from "./token-bucket";

const MIGRATIONS = ["CREATE TABLE bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, at INTEGER NOT NULL)"];

const SAVE_EVERY_MS = 1_000;

export class RateLimiter extends DurableObject<Env> {
  private state: BucketState | null;
  private savedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applyMigrations(ctx.storage.sql, MIGRATIONS);
    this.state = ctx.storage.sql.exec<{ tokens: number; at: number }>("SELECT tokens, at FROM bucket").toArray()[0] ?? null;
  }

  async take(limit: BucketLimit): Promise<{ allowed: boolean; retryAfter: number }> {
    return this.apply(takeToken(this.state, limit, Date.now()));
  }

  /**
   * Takes up to `want` tokens for one isolate's pre-check bucket
   * (src/ratelimit/leased-buckets.ts); `granted` 0 is a refusal with `retryAfter`.
   */
  async lease(limit: BucketLimit, want: number): Promise<{ granted: number; retryAfter: number }> {
    const outcome = takeTokens(this.state, limit, Date.now(), want);
    const { retryAfter } = this.apply(outcome);
    return { granted: outcome.granted, retryAfter };
  }

  private apply(outcome: TakeOutcome): { allowed: boolean; retryAfter: number } {
    const now = outcome.state.at;
    this.state = outcome.state;
    if (outcome.allowed && now - this.savedAt < SAVE_EVERY_MS) return { allowed: true, retryAfter: 0 };
    this.savedAt = now;
    this.ctx.storage.sql.exec(
      "INSERT INTO bucket (id, tokens, at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
      outcome.state.tokens,
      outcome.state.at,
    );
    return { allowed: outcome.allowed, retryAfter: outcome.retryAfter };
  }
}
