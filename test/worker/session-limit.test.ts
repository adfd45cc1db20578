// The per-device session limit counted in the person's Customer DO
// (src/customer/session-limit.ts) for sign-in, guest resume and handoff, and
// by the shared limiter for a brand new guest: each proof is limited on a
// named device, another device is not affected, and nothing else changes.
import { describe, expect, it } from "vitest";
import { api, identityToken, json, openConversation, uniqueUser, type SessionAnswer } from "./helpers";
import { createTenant, postSession, problemOf, type TestTenant } from "./identity-helpers";

const DEVICE = () => `dev_${crypto.randomUUID().replaceAll("-", "")}`;

async function limitedTenant(): Promise<TestTenant> {
  return createTenant({ rateLimits: { sessionsPerDevice: { limit: 2, periodSeconds: 3600 } } });
}

async function expectLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(await problemOf(res)).toMatchObject({ status: 429, code: "rate_limited" });
}

describe("sessions per device", () => {
  it("signing in with an identity token on a named device: the third within the period is 429, another device signs in", async () => {
    const tenant = await limitedTenant();
    const userId = uniqueUser("signin");
    const signIn = async (deviceId: string) =>
      postSession({ tenant: tenant.id, deviceId, identityToken: await identityToken(userId, { iss: tenant.id, secret: tenant.secret }) });
    const device = DEVICE();
    expect((await signIn(device)).status).toBe(201);
    expect((await signIn(device)).status).toBe(201);
    await expectLimited(await signIn(device));
    expect((await signIn(DEVICE())).status).toBe(201);
  });

  it("resuming a guest on a named device is limited the same way", async () => {
    const tenant = await limitedTenant();
    const guest = await json<SessionAnswer>(await postSession({ tenant: tenant.id }));
    const device = DEVICE();
    const resume = () => postSession({ tenant: tenant.id, deviceId: device, guestToken: guest.guestToken });
    expect((await resume()).status).toBe(201);
    expect((await resume()).status).toBe(201);
    await expectLimited(await resume());
  });

  it("new guests on one named device are still counted across guests (shared limiter)", async () => {
    const tenant = await limitedTenant();
    const device = DEVICE();
    const fresh = () => postSession({ tenant: tenant.id, deviceId: device });
    expect((await fresh()).status).toBe(201);
    expect((await fresh()).status).toBe(201);
    await expectLimited(await fresh());
  });

  it("a handoff onto a named device counts for that device", async () => {
    const tenant = await limitedTenant();
    const userId = uniqueUser("handoff");
    const first = await json<SessionAnswer>(
      await postSession({ tenant: tenant.id, identityToken: await identityToken(userId, { iss: tenant.id, secret: tenant.secret }) }),
    );
    const id = await openConversation(first.sessionToken);
    const device = DEVICE();
    const redeem = async () => {
      const link = await json<{ handoffToken: string }>(await api(`/v1/conversations/${id}/handoff`, { method: "POST", token: first.sessionToken }));
      return postSession({ tenant: tenant.id, deviceId: device, handoffToken: link.handoffToken });
    };
    expect((await redeem()).status).toBe(201);
    expect((await redeem()).status).toBe(201);
    await expectLimited(await redeem());
  });
});
