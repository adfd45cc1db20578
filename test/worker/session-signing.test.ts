// Signing in with an identity token that names the person: the Worker
// chooses the session id and signs the session token while the Customer DO
// records the session (src/http/sessions.ts). The token must carry exactly
// the session the object recorded, or sign-out would not reach it.
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { api, identityToken, uniqueUser, type SessionAnswer } from "./helpers";
import { postSession, problemOf } from "./identity-helpers";

async function signIn(userId: string, extra: Record<string, unknown>, name?: string): Promise<SessionAnswer> {
  const res = await postSession({ identityToken: await identityToken(userId, name ? { name } : {}), ...extra });
  expect(res.status).toBe(201);
  return res.json<SessionAnswer>();
}

describe("session token signed alongside the Customer DO call", () => {
  it("names the session the object recorded: after sign-out and a new sign-in on the device, the old token stays refused", async () => {
    const user = uniqueUser("early-sign");
    const before = await signIn(user, {}, "Ana Early");
    expect(decodeJwt(before.sessionToken)).toMatchObject({ name: "Ana Early", dev: before.deviceId, sub: user });
    expect((await api("/v1/sessions/current", { method: "DELETE", token: before.sessionToken })).status).toBe(204);

    const after = await signIn(user, { deviceId: before.deviceId }, "Ana Early");
    expect(decodeJwt(after.sessionToken).sid).not.toBe(decodeJwt(before.sessionToken).sid);
    expect((await api("/v1/me/conversations", { token: after.sessionToken })).status).toBe(200);
    const refused = await api("/v1/me/conversations", { token: before.sessionToken });
    expect(await problemOf(refused)).toMatchObject({ status: 401, code: "token_revoked" });
  });

  it("a token without a name gets the stored one, signed from the object's answer", async () => {
    const user = uniqueUser("early-name");
    await signIn(user, {}, "Bo Stored");
    const again = await signIn(user, {});
    expect(again.user.name).toBe("Bo Stored");
    expect(decodeJwt(again.sessionToken).name).toBe("Bo Stored");
    expect((await api("/v1/me/conversations", { token: again.sessionToken })).status).toBe(200);
  });
});
