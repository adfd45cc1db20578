// Signing out through the SDK: this device, or every device of the person;
// a revoked device forgets its credentials and its live socket does not come
// back after close 4008.
import { describe, expect, it } from "vitest";
import { createClient, MemoryStorage, type CarryoverUser } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { identityProvider, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();

const KEY = "carryover:demo:session";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SDK sign-out", () => {
  it("logout signs this device out and forgets its credentials", async () => {
    const storage = new MemoryStorage();
    const client = createClient({ baseUrl: server().url, tenant: "demo", storage, identityToken: identityProvider(uniqueUser()).provider });
    const seen: (CarryoverUser | null)[] = [];
    client.on("session", (u) => seen.push(u));
    const user = await client.connect();
    const stored = JSON.parse(storage.get(KEY) ?? "{}") as { refreshToken: string; deviceId: string; sessionToken: string };
    await client.logout();
    expect(seen).toEqual([user, null]);
    expect(client.user).toBeNull();
    expect(storage.get(KEY)).toBeNull();
    await expect(client.conversations()).rejects.toMatchObject({ code: "signed_out" });
    client.close();

    // The old refresh token no longer opens a session.
    const res = await fetch(`${server().url}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: "demo", refreshToken: stored.refreshToken, deviceId: stored.deviceId }),
    });
    expect(res.status).toBe(401);
  });

  it("logout with an expired session token still revokes the device on the server", async () => {
    const userId = uniqueUser();
    let skew = 0;
    const phone = createClient({
      baseUrl: server().url,
      tenant: "demo",
      identityToken: identityProvider(userId).provider,
      now: () => Date.now() + skew,
    });
    await phone.connect();
    const phoneDevice = phone.deviceId;
    const laptopStorage = new MemoryStorage();
    const laptop = createClient({ baseUrl: server().url, tenant: "demo", storage: laptopStorage, identityToken: identityProvider(userId).provider });
    await laptop.connect();
    const devices = async () => {
      const res = await fetch(`${server().url}/v1/sessions`, {
        headers: { authorization: `Bearer ${JSON.parse(String(laptopStorage.get(KEY))).sessionToken}` },
      });
      return ((await res.json()) as { devices: { deviceId: string }[] }).devices.map((d) => d.deviceId);
    };
    expect(await devices()).toContain(phoneDevice);
    skew = 16 * 60_000; // the phone's session token has expired by its own clock
    await phone.logout();
    expect(await devices()).not.toContain(phoneDevice);
    phone.close();
    laptop.close();
  });

  it("signing out all devices closes the other device's socket with 4008, and it does not reconnect", async () => {
    const userId = uniqueUser();
    const closes: number[] = [];
    let sockets = 0;
    class Counting extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
        this.addEventListener("close", (e) => closes.push(e.code));
      }
    }
    const phoneStorage = new MemoryStorage();
    const phone = createClient({
      baseUrl: server().url,
      tenant: "demo",
      storage: phoneStorage,
      identityToken: identityProvider(userId).provider,
      WebSocket: Counting,
      minReconnectDelay: 50,
      maxReconnectDelay: 200,
    });
    const seen: (CarryoverUser | null)[] = [];
    const errors: string[] = [];
    phone.on("session", (u) => seen.push(u));
    phone.on("error", (e) => errors.push(e.code));
    const h = await phone.conversation();
    await waitFor(() => h.connection === "live", "live");

    const laptop = createClient({ baseUrl: server().url, tenant: "demo", identityToken: identityProvider(userId).provider });
    await laptop.connect();
    await laptop.logout({ allDevices: true });

    await waitFor(() => closes.includes(4008), "close 4008");
    await waitFor(() => phone.user === null, "the phone to be signed out");
    expect(seen.at(-1)).toBeNull();
    expect(errors).toContain("token_revoked");
    expect(phoneStorage.get(KEY)).toBeNull();
    const opened = sockets;
    await sleep(1_000);
    expect(sockets).toBe(opened);
    expect(h.connection).not.toBe("live");
    phone.close();
    laptop.close();
  });

  it("a device whose refresh token was revoked is signed out at its next refresh", async () => {
    const userId = uniqueUser();
    let skew = 0;
    const storage = new MemoryStorage();
    const phone = createClient({
      baseUrl: server().url,
      tenant: "demo",
      storage,
      identityToken: identityProvider(userId).provider,
      now: () => Date.now() + skew,
    });
    await phone.connect();
    const laptop = createClient({ baseUrl: server().url, tenant: "demo", identityToken: identityProvider(userId).provider });
    await laptop.connect();
    await laptop.logout({ allDevices: true });

    const seen: (CarryoverUser | null)[] = [];
    phone.on("session", (u) => seen.push(u));
    skew = 15 * 60_000; // the phone's session token is due for a refresh
    await expect(phone.conversations()).rejects.toMatchObject({ code: "token_revoked" });
    expect(seen).toEqual([null]);
    expect(storage.get(KEY)).toBeNull();
    phone.close();
    laptop.close();
  });
});
