import { applyD1Migrations, env } from "cloudflare:test";

// Setup files run before each test file; applyD1Migrations only applies the
// migrations that have not been applied yet.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
