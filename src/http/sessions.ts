// Customer sessions (API.md "Sessions"): POST /v1/sessions turns one proof
// (identity token, guest token, handoff token, refresh token, or nothing for
// a new guest) into a session on a device; GET and DELETE list and revoke the
// person's devices.
import { customerStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { verifyHandoffToken } from "../auth/handoff-token";
import { verifyIdentityToken } from "../auth/identity-token";
import { mintOpaqueToken, openOpaqueToken, successorToken, tokenHash } from "../auth/opaque-token";
import { signSessionToken } from "../auth/session-token";
import type { SessionGrant } from "../customer/customer";
import { settingsOf } from "../env";
import type { Tenant } from "../directory/tenants";
import { GUEST_PREFIX, isGuestLike, newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import { cleanName } from "../protocol/names";
import { unwrap } from "../protocol/result";
import { authenticate, customerOf } from "./auth";
import { sessionTenant } from "./rate-limit";
import { limitsOf } from "../ratelimit/limits";
import type { BucketLimit } from "../ratelimit/token-bucket";
import type { SessionAnswer } from "../protocol/session";
import type { AppEnv } from "./types";
import { describe, jsonBody, ROUTE_DOCS, undescribed } from "./route";

const DeviceId = z.string().check(z.regex(/^dev_[A-Za-z0-9]{8,64}$/, "must be a device id (dev_…)"));
const Token = z.string().check(z.minLength(1), z.maxLength(8192));

export const SessionRequest = z
  .strictObject({
    tenant: z.string().check(z.minLength(1), z.maxLength(64)),
    deviceId: z.optional(DeviceId),
    identityToken: z.optional(Token),
    guestToken: z.optional(Token),
    handoffToken: z.optional(Token),
    refreshToken: z.optional(Token),
  })
  .check(
    z.superRefine((body, ctx) => {
      // One proof per request; a guest token goes alone or with an identity token (merge).
      const given = (["identityToken", "handoffToken", "refreshToken"] as const).filter((k) => body[k] !== undefined);
      if (given.length > 1) ctx.addIssue({ code: "custom", path: [given[1]!], message: `cannot be combined with ${given[0]}` });
      if (body.guestToken !== undefined && (body.handoffToken !== undefined || body.refreshToken !== undefined)) {
        ctx.addIssue({ code: "custom", path: ["guestToken"], message: "goes alone or with an identityToken" });
      }
    }),
  );
type SessionRequest = z.infer<typeof SessionRequest>;


function customerOfUser(c: Context<AppEnv>, tenant: string, userId: string) {
  return customerStub(c.env, tenant, userId);
}

/**
 * The per-device session limit, for the person's Customer DO to count in the
 * same call (src/customer/session-limit.ts): only when the request names its
 * device, as before. A brand new guest is counted by the shared limiter instead.
 */
function deviceLimitOf(c: Context<AppEnv>, tenant: Tenant, body: SessionRequest): { deviceLimit?: BucketLimit } {
  const limit = body.deviceId ? limitsOf(c.env, tenant.rateLimits).sessionsPerDevice : null;
  return limit ? { deviceLimit: limit } : {};
}

type SignedSession = { token: string; expiresAt: string };

/** The session token for `grant` (its name cleaned: names stored before names were cleaned at the edge). */
function signGrant(c: Context<AppEnv>, tenant: Tenant, user: { id: string; guest: boolean }, grant: SessionGrant): Promise<SignedSession> {
  const name = grant.name === undefined ? undefined : cleanName(grant.name);
  return signSessionToken(settingsOf(c.env).sessionKey, {
    tenant: tenant.id,
    userId: user.id,
    deviceId: grant.deviceId,
    sessionId: grant.sessionId,
    guest: user.guest,
    ...(name ? { name } : {}),
  });
}

/** Signs the session token for a grant (unless `signed` already is it) and shapes the 201 answer. */
async function answer(
  c: Context<AppEnv>,
  tenant: Tenant,
  user: { id: string; guest: boolean },
  grant: SessionGrant,
  refreshToken: string,
  extra: Pick<SessionAnswer, "guestToken" | "conversationId" | "mergedConversations"> = {},
  signed?: SignedSession,
): Promise<Response> {
  const name = grant.name === undefined ? undefined : cleanName(grant.name);
  const session = signed ?? (await signGrant(c, tenant, user, grant));
  const body: SessionAnswer = {
    sessionToken: session.token,
    expiresAt: session.expiresAt,
    refreshToken,
    deviceId: grant.deviceId,
    user: { id: user.id, name: name ?? null, guest: user.guest },
    ...extra,
  };
  return c.json(body, 201);
}

/** What every grant of a device names: tenant, person, device and the hash of its refresh token. */
async function deviceGrant(tenant: string, userId: string, deviceId: string, refreshToken: string) {
  return { tenant, userId, deviceId, refreshHash: await tokenHash(refreshToken) };
}

function refreshTokenFor(c: Context<AppEnv>, tenant: string, userId: string, deviceId: string): Promise<string> {
  return mintOpaqueToken(settingsOf(c.env).sessionKey, "refresh", { tenant, userId, deviceId });
}

async function withIdentity(c: Context<AppEnv>, tenant: Tenant, body: SessionRequest, identityToken: string): Promise<Response> {
  const identity = await verifyIdentityToken(identityToken, tenant);
  const customer = customerOfUser(c, tenant.id, identity.userId);
  const extra: Pick<SessionAnswer, "mergedConversations"> = {};
  if (body.guestToken) {
    const guest = await openOpaqueToken(settingsOf(c.env).sessionKey, "guest", body.guestToken);
    if (guest.tenant !== tenant.id) throw new ServiceError("invalid_token", "guest token was issued for another tenant");
    const merged = unwrap(
      await customer.mergeGuest({
        tenant: tenant.id,
        userId: identity.userId,
        guestId: guest.userId,
        guestTokenHash: await tokenHash(body.guestToken),
        // The merged threads are named as the person at once (the token's name, when it has one).
        ...(identity.name ? { name: identity.name } : {}),
      }),
    );
    extra.mergedConversations = merged.conversationIds;
  }
  const deviceId = body.deviceId ?? newId("dev");
  const refreshToken = await refreshTokenFor(c, tenant.id, identity.userId, deviceId);
  const { userId, ...profile } = identity;
  const user = { id: userId, guest: false };
  // The Worker chooses the session id, so the session token is signed while the Customer DO
  // records the session. Only when the token names the person: the object then stores that
  // name and grants it (profile.set); without one the grant's name is the stored one.
  const sessionId = newId("ses");
  const opening = customer.openSession({
    tenant: tenant.id,
    userId,
    deviceId,
    refreshHash: await tokenHash(refreshToken),
    ...profile,
    ...deviceLimitOf(c, tenant, body),
    sessionId,
  });
  const early: SessionGrant = { deviceId, sessionId, ...(profile.name ? { name: profile.name } : {}) };
  const [result, signed] = await Promise.all([opening, profile.name ? signGrant(c, tenant, user, early) : undefined]);
  const grant = unwrap(result);
  // The signed token must say what the object granted; anything else (never expected) is signed again from the grant.
  const matches = signed && grant.sessionId === early.sessionId && grant.deviceId === early.deviceId && grant.name === early.name;
  return answer(c, tenant, user, grant, refreshToken, extra, matches ? signed : undefined);
}

async function asGuest(c: Context<AppEnv>, tenant: Tenant, body: SessionRequest): Promise<Response> {
  const key = settingsOf(c.env).sessionKey;
  const deviceId = body.deviceId ?? newId("dev");
  if (body.guestToken) {
    const guest = await openOpaqueToken(key, "guest", body.guestToken);
    if (guest.tenant !== tenant.id) throw new ServiceError("invalid_token", "guest token was issued for another tenant");
    const refreshToken = await refreshTokenFor(c, tenant.id, guest.userId, deviceId);
    const grant = unwrap(
      await customerOfUser(c, tenant.id, guest.userId).resumeGuest({
        ...(await deviceGrant(tenant.id, guest.userId, deviceId, refreshToken)),
        guestTokenHash: await tokenHash(body.guestToken),
        ...deviceLimitOf(c, tenant, body),
      }),
    );
    return answer(c, tenant, { id: guest.userId, guest: true }, grant, refreshToken, { guestToken: body.guestToken });
  }
  const guestId = newId(GUEST_PREFIX);
  const guestToken = await mintOpaqueToken(key, "guest", { tenant: tenant.id, userId: guestId });
  const refreshToken = await refreshTokenFor(c, tenant.id, guestId, deviceId);
  const grant = unwrap(
    await customerOfUser(c, tenant.id, guestId).createGuest({
      ...(await deviceGrant(tenant.id, guestId, deviceId, refreshToken)),
      guestTokenHash: await tokenHash(guestToken),
    }),
  );
  return answer(c, tenant, { id: guestId, guest: true }, grant, refreshToken, { guestToken });
}

async function withHandoff(c: Context<AppEnv>, tenant: Tenant, body: SessionRequest, handoffToken: string): Promise<Response> {
  const key = settingsOf(c.env).sessionKey;
  const handoff = await verifyHandoffToken(key, handoffToken, tenant.id);
  const deviceId = body.deviceId ?? newId("dev");
  const refreshToken = await refreshTokenFor(c, tenant.id, handoff.userId, deviceId);
  // A guest's new device gets its own guest token, so it can sign in and merge there too.
  const guestToken = handoff.guest ? await mintOpaqueToken(key, "guest", { tenant: tenant.id, userId: handoff.userId }) : undefined;
  const grant = unwrap(
    await customerOfUser(c, tenant.id, handoff.userId).redeemHandoff({
      ...(await deviceGrant(tenant.id, handoff.userId, deviceId, refreshToken)),
      jti: handoff.jti,
      expiresAt: handoff.expiresAt,
      conversationId: handoff.conversationId,
      ...(guestToken ? { guestTokenHash: await tokenHash(guestToken) } : {}),
      ...(handoff.issuedBy ? { issuedBy: handoff.issuedBy } : {}),
      ...deviceLimitOf(c, tenant, body),
    }),
  );
  return answer(c, tenant, { id: handoff.userId, guest: handoff.guest }, grant, refreshToken, {
    conversationId: handoff.conversationId,
    ...(guestToken ? { guestToken } : {}),
  });
}

async function withRefresh(c: Context<AppEnv>, tenant: Tenant, body: SessionRequest, refreshToken: string): Promise<Response> {
  const locator = await openOpaqueToken(settingsOf(c.env).sessionKey, "refresh", refreshToken);
  if (locator.tenant !== tenant.id) throw new ServiceError("invalid_token", "refresh token was issued for another tenant");
  if (!locator.deviceId) throw new ServiceError("invalid_token", "refresh token is invalid");
  if (body.deviceId && body.deviceId !== locator.deviceId) {
    throw new ServiceError("invalid_token", "refresh token belongs to another device");
  }
  // Derived, not random: the same token presented twice within the grace window gets the same successor.
  const next = await successorToken(settingsOf(c.env).sessionKey, refreshToken, {
    tenant: tenant.id,
    userId: locator.userId,
    deviceId: locator.deviceId,
  });
  const grant = unwrap(
    await customerOfUser(c, tenant.id, locator.userId).refreshSession({
      deviceId: locator.deviceId,
      presentedHash: await tokenHash(refreshToken),
      nextHash: await tokenHash(next),
      ...deviceLimitOf(c, tenant, body),
    }),
  );
  const guest = isGuestLike(locator.userId);
  return answer(c, tenant, { id: locator.userId, guest }, grant, next);
}

export const sessions = new Hono<AppEnv>();

sessions.post("/", ROUTE_DOCS ? describe("Open a session on a device (identity, guest, handoff or refresh token)", [], { "201": "The session" }) : undescribed, jsonBody(SessionRequest), async (c) => {
  const body = c.req.valid("json");
  // Per device: a brand new guest here (its Customer DO is new); every other proof in the person's Customer DO, in the same call.
  const newGuest = !body.identityToken && !body.handoffToken && !body.refreshToken && !body.guestToken;
  const tenant = await sessionTenant(c, body.tenant, newGuest ? body.deviceId : undefined);
  if (body.identityToken) return withIdentity(c, tenant, body, body.identityToken);
  if (body.handoffToken) return withHandoff(c, tenant, body, body.handoffToken);
  if (body.refreshToken) return withRefresh(c, tenant, body, body.refreshToken);
  return asGuest(c, tenant, body);
});

sessions.get("/", ROUTE_DOCS ? describe("This person's devices", ["session"], { "200": "The devices" }) : undescribed, authenticate(), async (c) => {
  const access = customerOf(c);
  const devices = await customerOfUser(c, access.tenant, access.userId).listDevices();
  return c.json({ devices: devices.map((d) => ({ ...d, current: d.deviceId === access.deviceId })) });
});

sessions.delete("/current", ROUTE_DOCS ? describe("Sign this device out", ["session"], { "204": "Signed out" }) : undescribed, authenticate(), async (c) => {
  const access = customerOf(c);
  await customerOfUser(c, access.tenant, access.userId).signOut(access.deviceId);
  return c.body(null, 204);
});

sessions.delete("/", ROUTE_DOCS ? describe("Sign out every device of this person", ["session"], { "204": "Signed out" }) : undescribed, authenticate(), async (c) => {
  const access = customerOf(c);
  await customerOfUser(c, access.tenant, access.userId).signOutEverywhere();
  return c.body(null, 204);
});
