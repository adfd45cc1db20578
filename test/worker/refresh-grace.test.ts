// Refresh without self-harm: the same refresh token presented twice within
// the grace window (two tabs, a retry after a lost answer) gets the same
// successor; reuse after the window, or after the successor was spent, is theft.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, json, openSession, uniqueUser, type SessionAnswer } from "./helpers";
import { postSession, problemOf } from "./identity-helpers";

function refresh(s: Pick<SessionAnswer, "deviceId" | "refreshToken">): Promise<Response> {
  return postSession({ deviceId: s.deviceId, refreshToken: s.refreshToken });
}

async function works(token: string): Promise<boolean> {
  return (await api("/v1/me/conversations", { token })).status === 200;
}

describe("refresh grace window", () => {
  it("two refreshes at once with the same token both succeed with the same successor", async () => {
    const s = await openSession(uniqueUser("tabs"));
    const [a, b] = await Promise.all([refresh(s), refresh(s)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const [first, second] = [await json<SessionAnswer>(a), await json<SessionAnswer>(b)];
    expect(second.refreshToken).toBe(first.refreshToken);
    expect(second.refreshToken).not.toBe(s.refreshToken);
    expect(await works(first.sessionToken)).toBe(true);
    expect(await works(second.sessionToken)).toBe(true);
    // The successor rotates on as usual; the device was never signed out.
    const third = await json<SessionAnswer>(await refresh(first));
    expect(await works(third.sessionToken)).toBe(true);
  });

  it("a retry after a lost answer gets the same successor, and the successor still works", async () => {
    const s = await openSession(uniqueUser("retry"));
    const lost = await json<SessionAnswer>(await refresh(s));
    const retried = await json<SessionAnswer>(await refresh(s));
    expect(retried.refreshToken).toBe(lost.refreshToken);
    expect((await refresh(retried)).status).toBe(201);
  });

  it("the old token after its successor was spent is theft: the device is signed out", async () => {
    const s = await openSession(uniqueUser("theft"));
    const next = await json<SessionAnswer>(await refresh(s));
    const after = await json<SessionAnswer>(await refresh(next));
    expect(await problemOf(await refresh(s))).toMatchObject({ status: 401, code: "token_revoked" });
    expect(await problemOf(await api("/v1/me/conversations", { token: after.sessionToken }))).toMatchObject({ code: "token_revoked" });
  });

  it("the old token after the grace window (60 s) is theft", async () => {
    const s = await openSession(uniqueUser("late"));
    const next = await json<SessionAnswer>(await refresh(s));
    // Move the rotation 61 s into the past, as if the copy were replayed a minute later.
    const stub = env.CUSTOMER.getByName(`demo:${s.user.id}`);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE devices SET rotated_at = ?", new Date(Date.now() - 61_000).toISOString());
    });
    expect(await problemOf(await refresh(s))).toMatchObject({ status: 401, code: "token_revoked" });
    expect(await problemOf(await refresh(next))).toMatchObject({ status: 401, code: "token_revoked" });
  });
});
