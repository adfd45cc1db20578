// The demo tenant of local development (API.md "Local development defaults").
// Runs only when DEV_SEED=true; idempotent, once per isolate.
import { createApiKey, insertTenant } from "./tenants";

export const DEMO = {
  tenant: "demo",
  identitySecret: "demo-identity-secret-change-me-0123456789",
  botApiKey: "ck_demo_bot_change_me_0123456789abcdef",
  allowedOrigins: ["http://localhost:8787", "http://127.0.0.1:8787"],
} as const;

let seeded: Promise<void> | null = null;

export function seedDemoTenant(db: D1Database): Promise<void> {
  seeded ??= (async () => {
    await insertTenant(db, {
      id: DEMO.tenant,
      name: "Demo Shop",
      allowedOrigins: [...DEMO.allowedOrigins],
      identity: { issuer: DEMO.tenant, hs256Secrets: [DEMO.identitySecret] },
    });
    await createApiKey(db, DEMO.tenant, "bot", "demo bot", DEMO.botApiKey);
  })().catch((err: unknown) => {
    seeded = null;
    throw err;
  });
  return seeded;
}
