// The RateLimiter Durable Object: one token bucket per key (one object per
// device, per IP, per scope), so a flood from one key is counted exactly and
// never slows or starves another key. A DO rather than the Workers Rate
// Limiting binding because that binding counts per location, eventually
// consistent, with limits fixed in wrangler.toml and periods of 10 or 60 s
// only; here limits come from vars and per-tenant config, and count exactly.
// The bucket lives in memory and is written through to SQLite, so an evicted
// or restarted object resumes with the same count.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { applyMigrations } from "../sql-migrate";
import { takeToken, type BucketLimit, type BucketState } from "./token-bucket";

const MIGRATIONS = ["CREATE TABLE bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, at INTEGER NOT NULL)"];

export class RateLimiter extends DurableObject<Env> {
  private state: BucketState | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applyMigrations(ctx.storage.sql, MIGRATIONS);
    this.state = ctx.storage.sql.exec<{ tokens: number; at: number }>("SELECT tokens, at FROM bucket").toArray()[0] ?? null;
  }

  async take(limit: BucketLimit): Promise<{ allowed: boolean; retryAfter: number }> {
    const outcome = takeToken(this.state, limit, Date.now());
    this.state = outcome.state;
    this.ctx.storage.sql.exec(
      "INSERT INTO bucket (id, tokens, at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
      outcome.state.tokens,
      outcome.state.at,
    );
    return { allowed: outcome.allowed, retryAfter: outcome.retryAfter };
  }
}
