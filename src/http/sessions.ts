// POST /v1/sessions: a customer device gets a session from an identity token.
import { Hono } from "hono";
import { z } from "zod";
import { verifyIdentityToken } from "../auth/identity-token";
import { signSessionToken } from "../auth/session-token";
import { settingsOf } from "../env";
import { findTenant } from "../directory/tenants";
import { ServiceError } from "../protocol/errors";
import type { AppEnv } from "./types";
import { jsonBody } from "./validate";

const SessionRequest = z.strictObject({
  tenant: z.string().min(1).max(64),
  deviceId: z.string().regex(/^dev_[A-Za-z0-9]{8,64}$/, "must be a device id (dev_…)").optional(),
  identityToken: z.string().min(1).optional(),
  guestToken: z.string().min(1).optional(),
  handoffToken: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
});

export const sessions = new Hono<AppEnv>();

sessions.post("/", async (c) => {
  const body = await jsonBody(c, SessionRequest);
  const tenant = await findTenant(c.env.DB, body.tenant);
  if (!tenant) throw new ServiceError("invalid_token", "unknown tenant");
  if (!body.identityToken) {
    throw new ServiceError("invalid_request", "an identityToken is required", {
      errors: [{ path: "identityToken", message: "required" }],
    });
  }
  const identity = await verifyIdentityToken(body.identityToken, tenant);
  const customer = c.env.CUSTOMER.getByName(`${tenant.id}:${identity.userId}`);
  const device = await customer.openSession(body.deviceId ? { deviceId: body.deviceId } : {});
  const session = await signSessionToken(settingsOf(c.env).sessionKey, {
    tenant: tenant.id,
    userId: identity.userId,
    deviceId: device.deviceId,
    sessionId: device.sessionId,
    guest: false,
    ...(identity.name ? { name: identity.name } : {}),
  });
  return c.json(
    {
      sessionToken: session.token,
      expiresAt: session.expiresAt,
      refreshToken: device.refreshToken,
      deviceId: device.deviceId,
      user: { id: identity.userId, name: identity.name ?? null, guest: false },
    },
    201,
  );
});
