// Handoff through the SDK: a signed-in device creates a one-time token for a
// thread, another device redeems it and continues the same thread.
import { describe, expect, it } from "vitest";
import { createClient, MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { identityProvider, texts, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();

describe("SDK handoff", () => {
  it("continues the same thread on another device that redeems the handoff", async () => {
    const userId = uniqueUser();
    const website = createClient({ baseUrl: server().url, tenant: "demo", identityToken: identityProvider(userId, "Lin").provider });
    const onWebsite = await website.conversation();
    onWebsite.send({ type: "text", text: "started on the website" });
    await waitFor(() => onWebsite.items.length === 1 && !onWebsite.items[0]?.pending, "delivery");

    const handoff = await website.createHandoff(onWebsite.id);
    expect(handoff.handoffToken).toEqual(expect.any(String));
    expect(handoff.url).toContain(handoff.handoffToken);
    expect(Date.parse(handoff.expiresAt)).toBeGreaterThan(Date.now());

    // The phone knows nobody: no identity provider, fresh storage.
    const phoneStorage = new MemoryStorage();
    const phone = createClient({ baseUrl: server().url, tenant: "demo", storage: phoneStorage });
    const conversationId = await phone.redeemHandoff(handoff.handoffToken);
    expect(conversationId).toBe(onWebsite.id);
    expect(phone.user).toEqual({ id: userId, name: "Lin", guest: false });
    expect(phone.deviceId).not.toBe(website.deviceId);

    const onPhone = await phone.conversation({ id: conversationId });
    expect(texts(onPhone.items)).toEqual(["started on the website"]);
    onPhone.send({ type: "text", text: "continued on the phone" });
    await waitFor(() => onWebsite.items.length === 2 && onWebsite.items.every((i) => !i.pending), "the website to see the phone's message");
    expect(texts(onWebsite.items)).toEqual(["started on the website", "continued on the phone"]);

    // The phone's session is its own and survives a restart of the app.
    phone.close();
    const reopened = createClient({ baseUrl: server().url, tenant: "demo", storage: phoneStorage });
    expect((await reopened.connect()).id).toBe(userId);
    expect((await reopened.conversations()).map((t) => t.id)).toContain(conversationId);
    reopened.close();
    website.close();
  });

  it("refuses a handoff token the second time", async () => {
    const userId = uniqueUser();
    const website = createClient({ baseUrl: server().url, tenant: "demo", identityToken: identityProvider(userId).provider });
    const h = await website.conversation();
    const { handoffToken } = await website.createHandoff(h.id);
    const first = createClient({ baseUrl: server().url, tenant: "demo" });
    expect(await first.redeemHandoff(handoffToken)).toBe(h.id);
    const second = createClient({ baseUrl: server().url, tenant: "demo" });
    await expect(second.redeemHandoff(handoffToken)).rejects.toMatchObject({ name: "CarryoverError", status: 401 });
    expect(second.user).toBeNull();
    for (const c of [website, first, second]) c.close();
  });
});
