// Who may open a live socket: the token is checked in the Worker before the
// upgrade; refusals are close codes (4001 token, 4003 thread) with no data.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signSessionToken } from "../../src/auth/session-token";
import { api, BOT_KEY, openConversation, openSession, uniqueUser } from "./helpers";
import { LiveClient, liveResponse, openReady } from "./live-helpers";

async function refusal(conversationId: string, protocols: string[]): Promise<{ code: number; reason: string; frames: number }> {
  const res = await liveResponse(conversationId, protocols);
  expect(res.status).toBe(101);
  expect(res.headers.get("sec-websocket-protocol")).toBe("carryover.v1");
  const client = new LiveClient(res.webSocket!);
  const closed = await client.closed;
  return { ...closed, frames: client.frames.length };
}

describe("live authentication", () => {
  it("closes with 4001 for a bad, missing or unknown token, before any data", async () => {
    const s = await openSession(uniqueUser("hal"));
    const id = await openConversation(s.sessionToken);
    const tampered = s.sessionToken.slice(0, -4) + (s.sessionToken.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(await refusal(id, ["carryover.v1", `bearer.${tampered}`])).toEqual({ code: 4001, reason: "invalid_token", frames: 0 });
    expect(await refusal(id, ["carryover.v1", "bearer.not-a-jwt"])).toEqual({ code: 4001, reason: "invalid_token", frames: 0 });
    expect(await refusal(id, ["carryover.v1"])).toEqual({ code: 4001, reason: "invalid_token", frames: 0 });
    expect(await refusal(id, ["carryover.v1", "bearer.ck_demo_no_such_key_0000000000000000"])).toEqual({
      code: 4001,
      reason: "invalid_token",
      frames: 0,
    });
  });

  it("closes with 4001 and reason token_expired for an expired session token", async () => {
    const user = uniqueUser("ida");
    const s = await openSession(user);
    const id = await openConversation(s.sessionToken);
    const expired = await signSessionToken(
      new TextEncoder().encode(env.SESSION_SECRET!),
      { tenant: "demo", userId: user, deviceId: s.deviceId, sessionId: "ses_old", guest: false },
      new Date(Date.now() - 60 * 60 * 1000),
    );
    expect(await refusal(id, ["carryover.v1", `bearer.${expired.token}`])).toEqual({ code: 4001, reason: "token_expired", frames: 0 });
  });

  it("closes with 4003 for another person's thread, one that does not exist, or a malformed id", async () => {
    const owner = await openSession(uniqueUser("jo"));
    const id = await openConversation(owner.sessionToken);
    const stranger = await openSession(uniqueUser("kim"));
    await openConversation(stranger.sessionToken);
    const asStranger = ["carryover.v1", `bearer.${stranger.sessionToken}`];
    expect(await refusal(id, asStranger)).toEqual({ code: 4003, reason: "not_found", frames: 0 });
    expect(await refusal("cnv_0000000000000000000000", asStranger)).toEqual({ code: 4003, reason: "not_found", frames: 0 });
    expect(await refusal("not-an-id", asStranger)).toEqual({ code: 4003, reason: "not_found", frames: 0 });
    // The bot key reaches only threads that exist in its tenant.
    expect(await refusal("cnv_0000000000000000000000", ["carryover.v1", `bearer.${BOT_KEY}`])).toEqual({
      code: 4003,
      reason: "not_found",
      frames: 0,
    });
    // The owner and the tenant's bot are let in.
    await openReady(id, owner.sessionToken);
    await openReady(id, BOT_KEY);
  });

  it("answers a request that is not a proper live upgrade with HTTP 400, before any upgrade", async () => {
    const s = await openSession(uniqueUser("lou"));
    const id = await openConversation(s.sessionToken);
    const plain = await api(`/v1/conversations/${id}/live`, { token: s.sessionToken });
    expect(plain.status).toBe(400);
    expect(plain.headers.get("content-type")).toBe("application/problem+json");

    const noProtocol = await liveResponse(id, [`bearer.${s.sessionToken}`]);
    expect(noProtocol.status).toBe(400);
    expect(noProtocol.webSocket).toBeNull();

    for (const after of ["-1", "0x2", ""]) {
      const badAfter = await liveResponse(id, ["carryover.v1", `bearer.${s.sessionToken}`], `?after=${after}`);
      expect({ after, status: badAfter.status }).toEqual({ after, status: 400 });
      expect((await badAfter.json()) as object).toMatchObject({ code: "invalid_request", errors: [{ path: "after" }] });
    }
  });

  it("ignores client-supplied internal headers: access comes only from the token", async () => {
    const owner = await openSession(uniqueUser("max"));
    const id = await openConversation(owner.sessionToken);
    const stranger = await openSession(uniqueUser("ned"));
    const forged = JSON.stringify({
      access: { kind: "business", tenant: "demo", role: "admin", keyId: "forged" },
      after: 0,
    });
    const res = await liveResponse(id, ["carryover.v1", `bearer.${stranger.sessionToken}`], "", { "x-carryover-live": forged });
    const client = new LiveClient(res.webSocket!);
    expect(await client.closed).toEqual({ code: 4003, reason: "not_found" });
  });
});
