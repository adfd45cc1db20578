// The answer of both handoff routes (a customer's own, src/http/conversations.ts,
// and a business caller's for a channel thread, src/channels/routes.ts).
import type { Context } from "hono";
import { signHandoffToken, type Handoff } from "../auth/handoff-token";
import { settingsOf } from "../env";
import type { AppEnv } from "./types";

/**
 * 201 with a handoff token for `input` and the website's link that redeems
 * it (PUBLIC_URL, else this request's origin).
 */
export async function handoffCreated(c: Context<AppEnv>, input: Omit<Handoff, "jti" | "expiresAt">): Promise<Response> {
  const { token, handoff } = await signHandoffToken(settingsOf(c.env).sessionKey, input);
  const base = (c.env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
  const url = `${base}/?${new URLSearchParams({ tenant: input.tenant, handoff: token }).toString()}`;
  return c.json({ handoffToken: token, url, expiresAt: handoff.expiresAt }, 201);
}
