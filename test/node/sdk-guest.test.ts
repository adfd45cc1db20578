// Guests through the SDK: a visitor without an identity token chats as a
// guest, keeps that identity across reloads, and logging in merges the guest's
// conversation into the identified person.
import { describe, expect, it } from "vitest";
import { createClient, MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { identityToken, texts, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();

const KEY = "carryover:demo:session";

describe("SDK guests", () => {
  it("opens a guest session without an identity token and keeps the same guest across reloads", async () => {
    const storage = new MemoryStorage();
    const first = createClient({ baseUrl: server().url, tenant: "demo", storage });
    const guest = await first.connect();
    expect(guest.guest).toBe(true);
    const stored = JSON.parse(storage.get(KEY) ?? "{}") as Record<string, unknown>;
    expect(stored.guestToken).toEqual(expect.any(String));
    const h = await first.conversation();
    h.send({ type: "text", text: "hi, as a guest" });
    await waitFor(() => h.items.length === 1 && !h.items[0]?.pending, "delivery");
    first.close();

    // Only the guest token is left (refresh token and session token lost): still the same guest.
    storage.set(KEY, JSON.stringify({ guestToken: stored.guestToken, deviceId: stored.deviceId }));
    const second = createClient({ baseUrl: server().url, tenant: "demo", storage });
    expect(await second.connect()).toEqual(guest);
    const again = await second.conversation();
    expect(again.id).toBe(h.id);
    expect(texts(again.items)).toEqual(["hi, as a guest"]);
    second.close();
  });

  it("merges the guest's conversation into the person when the site logs them in", async () => {
    const userId = uniqueUser();
    let loggedIn = false;
    const client = createClient({
      baseUrl: server().url,
      tenant: "demo",
      storage: new MemoryStorage(),
      identityToken: async () => (loggedIn ? identityToken(userId, "Grace") : null),
    });
    const sessions: (string | null)[] = [];
    client.on("session", (u) => sessions.push(u ? `${u.id}:${u.guest}` : null));
    const guest = await client.connect();
    expect(guest.guest).toBe(true);
    const h = await client.conversation();
    h.send({ type: "text", text: "before login" });
    await waitFor(() => h.items.length === 1 && !h.items[0]?.pending, "delivery");

    loggedIn = true;
    const user = await client.login();
    expect(user).toEqual({ id: userId, name: "Grace", guest: false });
    expect(sessions).toEqual([`${guest.id}:true`, `${userId}:false`]);
    const threads = await client.conversations();
    expect(threads.map((t) => t.id)).toContain(h.id);

    // The open handle follows the new session: it keeps working for the identified person.
    h.send({ type: "text", text: "after login" });
    await waitFor(() => h.items.length === 2 && h.items.every((i) => !i.pending), "delivery after login");
    expect(texts(h.items)).toEqual(["before login", "after login"]);
    await waitFor(() => h.connection === "live", "live as the identified person");
    client.close();

    // Another device of the person sees the merged thread.
    const phone = createClient({ baseUrl: server().url, tenant: "demo", identityToken: () => identityToken(userId) });
    const onPhone = await phone.conversation({ id: h.id });
    expect(texts(onPhone.items)).toEqual(["before login", "after login"]);
    phone.close();
  });
});
