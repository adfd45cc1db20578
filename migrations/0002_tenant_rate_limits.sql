-- Per-tenant rate-limit overrides (JSON, see src/ratelimit/limits.ts).
ALTER TABLE tenants ADD COLUMN rate_limits TEXT NOT NULL DEFAULT '{}';
