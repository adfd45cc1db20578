// SDK sessions against the real Worker: identity-token sessions, reloads,
// the identity provider asked again when needed, refresh on expiry.
import { decodeJwt, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, MemoryStorage } from "../../src/client/index.ts";
import { startServer, type LocalServer } from "../support/server.ts";
import { identityProvider, SESSION_SECRET, uniqueUser } from "./sdk-helpers.ts";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer({ vars: { SESSION_SECRET } });
});

afterAll(async () => {
  await server?.stop();
});

const KEY = "carryover:demo:session";

function stored(storage: MemoryStorage): Record<string, unknown> {
  return JSON.parse(storage.get(KEY) ?? "null") as Record<string, unknown>;
}

/** A fetch that records the code of every 401 and every session request body. */
function recordingFetch() {
  const refusals: string[] = [];
  const sessionRequests: Record<string, unknown>[] = [];
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url.endsWith("/v1/sessions") && init?.method === "POST") sessionRequests.push(JSON.parse(String(init.body)) as Record<string, unknown>);
    const res = await fetch(input, init);
    if (res.status === 401) refusals.push(((await res.clone().json()) as { code: string }).code);
    return res;
  }) as typeof fetch;
  return { fetch: f, refusals, sessionRequests };
}

describe("SDK sessions", () => {
  it("opens a session from the identity token, and a reload restores it without asking again", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const first = identityProvider(userId, "Ada");
    const a = createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: first.provider });
    const seen: unknown[] = [];
    a.on("session", (u) => seen.push(u));
    const user = await a.connect();
    expect(user).toEqual({ id: userId, name: "Ada", guest: false });
    expect(seen).toEqual([user]);
    expect(a.deviceId).toMatch(/^dev_/);
    expect(first.calls()).toBe(1);
    expect(await a.conversations()).toEqual([]);
    a.close();

    const second = identityProvider(userId, "Ada");
    const b = createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: second.provider });
    expect(await b.connect()).toEqual(user);
    expect(b.deviceId).toBe(a.deviceId);
    expect(await b.conversations()).toEqual([]);
    expect(second.calls()).toBe(0);
    b.close();
  });

  it("asks the identity provider again when the stored credentials no longer work", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const a = createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: identityProvider(userId).provider });
    await a.connect();
    const deviceId = a.deviceId;
    a.close();
    // Both the session token and the refresh token are garbage now.
    storage.set(KEY, JSON.stringify({ ...stored(storage), sessionToken: "not.a.token", refreshToken: "crt_bogus" }));

    const again = identityProvider(userId);
    const rec = recordingFetch();
    const b = createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: again.provider, fetch: rec.fetch });
    await b.connect();
    const conversation = await b.conversation();
    expect(conversation.id).toMatch(/^cnv_/);
    expect(rec.refusals[0]).toBe("invalid_token");
    expect(again.calls()).toBe(1);
    expect(b.user?.id).toBe(userId);
    expect(b.deviceId).toBe(deviceId);
    expect(stored(storage).sessionToken).not.toBe("not.a.token");
    b.close();
  });

  it("refreshes through the refresh token when the server answers token_expired", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const provider = identityProvider(userId);
    const a = createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: provider.provider });
    await a.connect();
    a.close();
    // The same session, but its token expired a minute ago (signed with the server's key),
    // while this device still believes it is fresh: only the server's 401 can tell.
    const before = stored(storage);
    const claims = decodeJwt(String(before.sessionToken));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ten: claims.ten, dev: claims.dev, sid: claims.sid })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(String(claims.iss))
      .setAudience(String(claims.aud))
      .setSubject(String(claims.sub))
      .setIssuedAt(now - 16 * 60)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(SESSION_SECRET));
    storage.set(KEY, JSON.stringify({ ...before, sessionToken: expired, expiresAt: Date.now() + 10 * 60_000, refreshAt: Date.now() + 9 * 60_000 }));

    const rec = recordingFetch();
    const b = createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: provider.provider, fetch: rec.fetch });
    await b.connect();
    expect(await b.conversations()).toEqual([]);
    expect(rec.refusals).toEqual(["token_expired"]);
    expect(rec.sessionRequests).toEqual([{ tenant: "demo", refreshToken: before.refreshToken, deviceId: before.deviceId }]);
    expect(provider.calls()).toBe(1);
    const after = stored(storage);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.sessionToken).not.toBe(expired);
    expect(after.deviceId).toBe(before.deviceId);
    b.close();
  });

  it("refreshes ahead of expiry by the device's clock, before the server has to refuse", async () => {
    const userId = uniqueUser();
    const storage = new MemoryStorage();
    const provider = identityProvider(userId);
    let skew = 0;
    const rec = recordingFetch();
    const client = createClient({
      baseUrl: server.url,
      tenant: "demo",
      storage,
      identityToken: provider.provider,
      fetch: rec.fetch,
      now: () => Date.now() + skew,
    });
    await client.connect();
    const first = stored(storage);
    skew = 14.5 * 60_000; // within the last minute of the 15-minute token
    expect(await client.conversations()).toEqual([]);
    expect(rec.refusals).toEqual([]);
    expect(rec.sessionRequests.at(-1)).toEqual({ tenant: "demo", refreshToken: first.refreshToken, deviceId: first.deviceId });
    expect(provider.calls()).toBe(1);
    expect(stored(storage).refreshToken).not.toBe(first.refreshToken);
    client.close();
  });
});
