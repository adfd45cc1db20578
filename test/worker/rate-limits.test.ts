// Rate limits on session creation and message sends, per device and per IP:
// a flood is answered 429 with Retry-After, and never starves anyone else.
import { describe, expect, it } from "vitest";
import { api, identityToken, json, openConversation, send, uniqueUser, type SessionAnswer } from "./helpers";
import { createTenant, postSession, problemOf, type TestTenant } from "./identity-helpers";
import { openReady } from "./live-helpers";

function ip(): string {
  const b = crypto.getRandomValues(new Uint8Array(2));
  return `198.51.${b[0]}.${b[1]}`;
}

async function signIn(tenant: TestTenant, userId: string, from: string): Promise<SessionAnswer> {
  const res = await postSession(
    { tenant: tenant.id, identityToken: await identityToken(userId, { iss: tenant.id, secret: tenant.secret }) },
    { "cf-connecting-ip": from },
  );
  if (res.status !== 201) throw new Error(`session failed: ${res.status} ${await res.text()}`);
  return json<SessionAnswer>(res);
}

function sendFrom(from: string, token: string, conversationId: string, clientId: string): Promise<Response> {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token,
    headers: { "cf-connecting-ip": from },
    json: { clientId, content: { type: "text", text: clientId } },
  });
}

async function expectLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(await problemOf(res)).toMatchObject({ status: 429, code: "rate_limited", type: "application/problem+json" });
}

describe("rate limits", () => {
  it("a flooding device gets 429 while another device of the same person, same IP, still sends", async () => {
    const tenant = await createTenant({ rateLimits: { sendsPerDevice: { limit: 3, periodSeconds: 3600 } } });
    const from = ip();
    const userId = uniqueUser();
    const phone = await signIn(tenant, userId, from);
    const laptop = await signIn(tenant, userId, from);
    const id = await openConversation(phone.sessionToken);
    for (let i = 0; i < 3; i++) expect((await sendFrom(from, phone.sessionToken, id, `p${i}`)).status).toBe(201);
    await expectLimited(await sendFrom(from, phone.sessionToken, id, "p3"));
    expect((await sendFrom(from, laptop.sessionToken, id, "l0")).status).toBe(201);
    // Nothing was written for the refused send.
    const events = await json<{ events: unknown[] }>(await api(`/v1/conversations/${id}/events`, { token: laptop.sessionToken }));
    expect(events.events).toHaveLength(4);
  });

  it("limits send frames on a live socket per device, and a flood never reaches the log", async () => {
    const tenant = await createTenant({ rateLimits: { sendsPerDevice: { limit: 3, periodSeconds: 3600 } } });
    const userId = uniqueUser();
    const phone = await signIn(tenant, userId, ip());
    const laptop = await signIn(tenant, userId, ip());
    const id = await openConversation(phone.sessionToken);
    const onPhone = await openReady(id, phone.sessionToken);
    for (let i = 0; i < 5; i++) onPhone.send({ type: "send", clientId: `w${i}`, content: { type: "text", text: `w${i}` } });
    const answers = await onPhone.until((f) => f.type === "error" && f.clientId === "w4");
    expect(answers.map((f) => f.type)).toEqual(["ack", "ack", "ack", "error", "error"]);
    expect(answers[3]).toMatchObject({ code: "rate_limited", clientId: "w3" });
    expect((await sendFrom(ip(), laptop.sessionToken, id, "l0")).status).toBe(201);
    const events = await json<{ events: unknown[] }>(await api(`/v1/conversations/${id}/events`, { token: laptop.sessionToken }));
    expect(events.events).toHaveLength(4);
  });

  it("limits sends per IP across devices, without touching other IPs", async () => {
    const tenant = await createTenant({ rateLimits: { sendsPerIp: { limit: 2, periodSeconds: 3600 } } });
    const crowded = ip();
    const a = await signIn(tenant, uniqueUser(), crowded);
    const b = await signIn(tenant, uniqueUser(), crowded);
    const ida = await openConversation(a.sessionToken);
    const idb = await openConversation(b.sessionToken);
    expect((await sendFrom(crowded, a.sessionToken, ida, "a0")).status).toBe(201);
    expect((await sendFrom(crowded, b.sessionToken, idb, "b0")).status).toBe(201);
    await expectLimited(await sendFrom(crowded, b.sessionToken, idb, "b1"));
    expect((await sendFrom(ip(), b.sessionToken, idb, "b1")).status).toBe(201);
  });

  it("counts sends per IP exactly through the isolate's pre-check leases, even concurrent ones", async () => {
    // 100 per hour: leases of 5 tokens, so most sends skip the limiter round trip.
    const tenant = await createTenant({
      rateLimits: { sendsPerIp: { limit: 100, periodSeconds: 3600 }, sendsPerDevice: { limit: 1000, periodSeconds: 60 } },
    });
    const flooding = ip();
    const a = await signIn(tenant, uniqueUser(), flooding);
    const id = await openConversation(a.sessionToken);
    const statuses: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => sendFrom(flooding, a.sessionToken, id, `f${batch}-${i}`)));
      statuses.push(...answers.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    await expectLimited(await sendFrom(flooding, a.sessionToken, id, "one more"));
    // The flood drained only its own address: another one sends at once.
    const other = ip();
    const b = await signIn(tenant, uniqueUser(), other);
    expect((await sendFrom(other, b.sessionToken, await openConversation(b.sessionToken), "b0")).status).toBe(201);
  });

  it("limits session creation per IP", async () => {
    const tenant = await createTenant({ rateLimits: { sessionsPerIp: { limit: 3, periodSeconds: 3600 } } });
    const from = ip();
    for (let i = 0; i < 3; i++) expect((await postSession({ tenant: tenant.id }, { "cf-connecting-ip": from })).status).toBe(201);
    await expectLimited(await postSession({ tenant: tenant.id }, { "cf-connecting-ip": from }));
    expect((await postSession({ tenant: tenant.id }, { "cf-connecting-ip": ip() })).status).toBe(201);
  });

  it("limits session creation per device", async () => {
    const tenant = await createTenant({ rateLimits: { sessionsPerDevice: { limit: 2, periodSeconds: 3600 } } });
    const first = await signIn(tenant, uniqueUser(), ip());
    const refresh = (token: string) => postSession({ tenant: tenant.id, refreshToken: token, deviceId: first.deviceId }, { "cf-connecting-ip": ip() });
    // Signing in on a new device counts for its IP; refreshes name their device.
    const second = await json<SessionAnswer>(await refresh(first.refreshToken));
    const third = await json<SessionAnswer>(await refresh(second.refreshToken));
    await expectLimited(await refresh(third.refreshToken));
    // Another device of the same person is not affected.
    expect((await signIn(tenant, first.user.id, ip())).deviceId).not.toBe(first.deviceId);
  });

  it("the default limits let a burst of pasted lines through, and answer a flood of 300 from one device with 429", async () => {
    const from = ip();
    const userId = uniqueUser();
    const s = await json<SessionAnswer>(await postSession({ identityToken: await identityToken(userId) }, { "cf-connecting-ip": from }));
    const other = await json<SessionAnswer>(await postSession({ identityToken: await identityToken(userId) }, { "cf-connecting-ip": ip() }));
    const id = await openConversation(s.sessionToken);
    const burst = await Promise.all(Array.from({ length: 25 }, (_, i) => sendFrom(from, s.sessionToken, id, `b${i}`)));
    expect(burst.map((r) => r.status)).toEqual(Array(25).fill(201));
    const flood = await Promise.all(Array.from({ length: 300 }, (_, i) => sendFrom(from, s.sessionToken, id, `f${i}`)));
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(250);
    await expectLimited(flood.find((r) => r.status === 429)!);
    // The person's other device is counted on its own.
    expect((await send(other.sessionToken, id, "other", "still here")).status).toBe(201);
  });
});
