// Local development only: POST /demo/token mints an identity token for the
// demo tenant the way a business's backend would, so the demo page can sign a
// visitor in; POST /demo/identity is an example of the widget's identity
// endpoint (cookie-signed-in visitor → token, else 401). Without DEV_SEED=true
// neither route exists (404).
import { Hono } from "hono/tiny";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { SignJWT } from "jose";
import * as z from "../zod";
import { AGENT_AUDIENCE } from "../auth/agent-token";
import { IDENTITY_AUDIENCE } from "../auth/identity-token";
import { DEMO } from "../directory/dev-seed";
import { settingsOf, type Settings } from "../env";
import { ServiceError } from "../protocol/errors";
import type { AppEnv } from "./types";
import { jsonBody } from "./route";

const TOKEN_TTL_S = 600;

export const DemoTokenRequest = z.strictObject({
  sub: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
});
export type DemoTokenRequest = z.infer<typeof DemoTokenRequest>;

/** Fails with not_found unless the demo tenant is seeded (DEV_SEED=true). */
export function assertDemoEnabled(settings: Pick<Settings, "devSeed">): void {
  if (!settings.devSeed) throw new ServiceError("not_found", "no such route");
}

/** An HS256 identity token for the demo tenant, valid for 10 minutes. */
export async function mintDemoToken(settings: Pick<Settings, "devSeed">, request: DemoTokenRequest): Promise<string> {
  assertDemoEnabled(settings);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(request.name ? { name: request.name } : {})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(DEMO.tenant)
    .setAudience(IDENTITY_AUDIENCE)
    .setSubject(request.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + TOKEN_TTL_S)
    .sign(new TextEncoder().encode(DEMO.identitySecret));
}

export const DemoAgentTokenRequest = z.strictObject({
  sub: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
  role: z.optional(z.enum(["agent", "supervisor"])),
});
export type DemoAgentTokenRequest = z.infer<typeof DemoAgentTokenRequest>;

/** An HS256 agent identity token (aud "carryover:agent") for the demo tenant, valid for 10 minutes. */
export async function mintDemoAgentToken(settings: Pick<Settings, "devSeed">, request: DemoAgentTokenRequest): Promise<string> {
  assertDemoEnabled(settings);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: request.name ?? request.sub, role: request.role ?? "agent" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(DEMO.tenant)
    .setAudience(AGENT_AUDIENCE)
    .setSubject(request.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + TOKEN_TTL_S)
    .sign(new TextEncoder().encode(DEMO.identitySecret));
}

/** Checked before anything of the request is read: without DEV_SEED a demo route does not exist. */
export const demoOnly: MiddlewareHandler<AppEnv> = async function demoOnly(c, next) {
  assertDemoEnabled(settingsOf(c.env));
  await next();
};

export const demo = new Hono<AppEnv>();

/** What a business's SSO would mint for a signed-in agent (API.md "Agents and agent sessions"). */
demo.post("/agent-token", demoOnly, jsonBody(DemoAgentTokenRequest), async (c) => {
  const settings = settingsOf(c.env);
  const body = c.req.valid("json");
  return c.json({ token: await mintDemoAgentToken(settings, body) }, 200, { "cache-control": "no-store" });
});

demo.post("/token", demoOnly, jsonBody(DemoTokenRequest), async (c) => {
  const settings = settingsOf(c.env);
  const body = c.req.valid("json");
  return c.json({ token: await mintDemoToken(settings, body) }, 200, { "cache-control": "no-store" });
});

/** The widget's identity endpoint contract, as a site would implement it: the `demo_user` cookie is the site's sign-in. */
demo.post("/identity", async (c) => {
  const settings = settingsOf(c.env);
  assertDemoEnabled(settings);
  const signedIn = DemoTokenRequest.safeParse({ sub: getCookie(c, "demo_user"), name: getCookie(c, "demo_name") });
  if (!signedIn.success) throw new ServiceError("invalid_token", "not signed in on the demo site");
  return c.json({ token: await mintDemoToken(settings, signedIn.data) }, 200, { "cache-control": "no-store" });
});
