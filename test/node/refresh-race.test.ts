// Refresh without self-harm, against the real server: two refreshes with one
// refresh token (two tabs, a retry) keep the device signed in, and the SDK's
// tabs sharing a storage refresh once for all of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, MemoryStorage, type CarryoverUser } from "../../src/client/index.ts";
import { startServer, type LocalServer } from "../support/server.ts";
import { identityProvider, identityToken, uniqueUser, waitFor } from "./sdk-helpers.ts";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

const KEY = "carryover:demo:session";

interface Answer {
  sessionToken: string;
  refreshToken: string;
  deviceId: string;
}

async function post(body: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "demo", ...body }),
  });
}

/** Counts refresh-token session requests. */
function countingFetch() {
  const counter = { refreshes: 0 };
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input).endsWith("/v1/sessions") && init?.method === "POST" && String(init.body).includes('"refreshToken"')) counter.refreshes++;
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: f, counter };
}

describe("refresh races", () => {
  it("two refreshes at once with the same token: both 201, one successor, the device stays signed in", async () => {
    const s = (await (await post({ identityToken: await identityToken(uniqueUser("race")) })).json()) as Answer;
    const answers = await Promise.all([0, 1].map(() => post({ refreshToken: s.refreshToken, deviceId: s.deviceId })));
    expect(answers.map((r) => r.status)).toEqual([201, 201]);
    const [a, b] = (await Promise.all(answers.map((r) => r.json()))) as [Answer, Answer];
    expect(b.refreshToken).toBe(a.refreshToken);
    for (const token of [a.sessionToken, b.sessionToken]) {
      const res = await fetch(`${server.url}/v1/me/conversations`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
  });

  it("SDK tabs sharing one storage refresh once for all of them", async () => {
    const userId = uniqueUser("tabs");
    const storage = new MemoryStorage();
    let skew = 0;
    const net = countingFetch();
    const tab = () =>
      createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: identityProvider(userId).provider, fetch: net.fetch, now: () => Date.now() + skew });
    const first = tab();
    await first.connect();
    const second = tab();
    await second.connect();
    const sessions: (CarryoverUser | null)[] = [];
    for (const t of [first, second]) t.on("session", (u) => sessions.push(u));
    skew = 14.5 * 60_000; // both tabs find the token due for a refresh at the same moment
    await Promise.all([first.conversations(), second.conversations(), first.conversations(), second.conversations()]);
    expect(net.counter.refreshes).toBe(1);
    expect(sessions).not.toContain(null);
    first.close();
    second.close();
  });

  it("a tab whose token is due after another tab signed in (merging the guest) follows that sign-in, and signs neither tab out", async () => {
    const userId = uniqueUser("merge-tabs");
    const storage = new MemoryStorage();
    let skew = 0;
    let signedIn = false;
    const tab = () =>
      createClient({
        baseUrl: server.url,
        tenant: "demo",
        storage,
        // The site's sign-in state is per page, as in the demo shop: the other tab does not know it.
        identityToken: async () => (signedIn ? identityToken(userId) : null),
        now: () => Date.now() + skew,
      });
    const a = tab();
    const guest = await a.connect();
    const b = tab();
    expect((await b.connect()).id).toBe(guest.id);
    const seenByB: (string | null)[] = [];
    b.on("session", (u) => seenByB.push(u?.id ?? null));

    signedIn = true;
    await a.login(); // revokes the guest's session and refresh token
    signedIn = false; // tab B's page was never told
    skew = 14.5 * 60_000; // B's token (the guest's) is due: B refreshes before it hears of the sign-in

    await b.conversations();
    expect(b.user?.id).toBe(userId);
    expect(seenByB).toEqual([userId]);
    expect(a.user?.id).toBe(userId);
    expect(JSON.parse(storage.get(KEY)!).userId).toBe(userId);
    await a.conversations(); // A still works: B did not sign the device out
    for (const c of [a, b]) c.close();
  });

  it("signing in again in a tab that missed another tab's sign-in signs in as the person, not with the merged guest's token", async () => {
    const userId = uniqueUser("twice");
    const storage = new MemoryStorage();
    const signedIn = { a: false, b: false };
    const tab = (name: "a" | "b") =>
      createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: async () => (signedIn[name] ? identityToken(userId) : null) });
    const a = tab("a");
    await a.connect();
    const b = tab("b"); // no live socket: nothing tells it of A's sign-in
    await b.connect();
    const h = await a.conversation();
    h.send({ type: "text", text: "as the guest" });
    await waitFor(() => h.items.length === 1 && !h.items[0]?.pending, "delivery");

    signedIn.a = true;
    await a.login(); // merges the guest; tab B still holds the guest's token
    signedIn.b = true;
    const user = await b.login(); // the visitor presses "Sign in" in the other tab too
    expect(user.id).toBe(userId);
    expect(b.user?.id).toBe(userId);
    // The guest's thread is the person's, and both tabs keep working.
    expect((await a.conversations()).map((t) => t.id)).toContain(h.id);
    expect((await b.conversations()).map((t) => t.id)).toContain(h.id);
    for (const c of [a, b]) c.close();
  });

  it("two tabs signing in at once both sign in (one merges the guest, the other follows)", async () => {
    const userId = uniqueUser("both");
    const storage = new MemoryStorage();
    let signedIn = false;
    const tab = () => createClient({ baseUrl: server.url, tenant: "demo", storage, identityToken: async () => (signedIn ? identityToken(userId) : null) });
    const [a, b] = [tab(), tab()];
    await a.connect();
    await b.connect();
    signedIn = true;
    const answers = await Promise.allSettled([a.login(), b.login()]);
    expect(answers.map((r) => (r.status === "fulfilled" ? r.value.id : String(r.reason)))).toEqual([userId, userId]);
    await Promise.all([a.conversations(), b.conversations()]);
    for (const c of [a, b]) c.close();
  });

  it("tabs that cannot share storage (each its own copy) both refresh, and neither is signed out", async () => {
    const userId = uniqueUser("copies");
    const shared = new MemoryStorage();
    const first = createClient({ baseUrl: server.url, tenant: "demo", storage: shared, identityToken: identityProvider(userId).provider });
    await first.connect();
    const copy = new MemoryStorage();
    copy.set(KEY, shared.get(KEY)!);
    let skew = 0;
    const net = countingFetch();
    const tab = (storage: MemoryStorage) =>
      createClient({ baseUrl: server.url, tenant: "demo", storage, fetch: net.fetch, now: () => Date.now() + skew });
    const a = tab(shared);
    const b = tab(copy);
    await Promise.all([a.connect(), b.connect()]);
    skew = 14.5 * 60_000;
    await Promise.all([a.conversations(), b.conversations()]);
    expect(net.counter.refreshes).toBe(2);
    expect(JSON.parse(copy.get(KEY)!).refreshToken).toBe(JSON.parse(shared.get(KEY)!).refreshToken);
    expect(a.user?.id).toBe(userId);
    expect(b.user?.id).toBe(userId);
    for (const c of [first, a, b]) c.close();
  });
});
