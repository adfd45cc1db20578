// Local development only (DEV_SEED=true): the demo tenant's admin API key
// and its Messenger channel, whose send API is the local simulator
// (/demo/messenger) of the server that seeds it (API.md "Local development
// defaults").
import type { Env } from "../env";
import { seedDemoTenant } from "../directory/dev-seed";
import { createApiKey } from "../directory/tenants";
import { putChannel } from "./settings";

export const DEMO_CHANNEL = {
  tenant: "demo",
  pageId: "demo-page",
  pageAccessToken: "demo-page-access-token",
  appSecret: "demo-messenger-app-secret",
  verifyToken: "demo-verify",
  adminApiKey: "ck_demo_admin_change_me_0123456789abcdef",
} as const;

let seeded: { apiBase: string; done: Promise<void> } | null = null;

/**
 * Seeds the demo Messenger channel pointed at `${origin}/demo/messenger`
 * (PUBLIC_URL wins over `origin`). Once per isolate and origin. A channel
 * someone replaced through the API (no simulator base) is left alone.
 */
export function seedDemoChannel(env: Env, origin: string): Promise<void> {
  const apiBase = `${(env.PUBLIC_URL ?? origin).replace(/\/+$/, "")}/demo/messenger`;
  if (seeded?.apiBase === apiBase) return seeded.done;
  const done = (async () => {
    await seedDemoTenant(env.DB);
    await createApiKey(env.DB, DEMO_CHANNEL.tenant, "admin", "demo admin", DEMO_CHANNEL.adminApiKey);
    const row = await env.DB.prepare("SELECT api_base FROM channels WHERE tenant_id = ? AND kind = 'messenger'")
      .bind(DEMO_CHANNEL.tenant)
      .first<{ api_base: string | null }>();
    if (row && row.api_base === null) return;
    if (row?.api_base === apiBase) return;
    await putChannel(env, {
      tenant: DEMO_CHANNEL.tenant,
      kind: "messenger",
      accountId: DEMO_CHANNEL.pageId,
      accessToken: DEMO_CHANNEL.pageAccessToken,
      appSecret: DEMO_CHANNEL.appSecret,
      verifyToken: DEMO_CHANNEL.verifyToken,
      apiBase,
    });
  })();
  seeded = { apiBase, done };
  done.catch(() => {
    if (seeded?.done === done) seeded = null;
  });
  return done;
}
