// A person reaches only their own conversations: another person's thread,
// another tenant's thread and a made-up id all answer 404, never 403.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { createApiKey, insertTenant } from "../../src/directory/tenants";
import { api, json, openConversation, openSession, send, uniqueUser } from "./helpers";

async function expectNotFound(res: Response): Promise<void> {
  expect(res.status).toBe(404);
  expect(await json(res)).toMatchObject({ code: "not_found", status: 404 });
}

describe("access to conversations", () => {
  it("hides Bob's thread from Alice on every route", async () => {
    const alice = await openSession(uniqueUser("alice"));
    const bob = await openSession(uniqueUser("bob"));
    const bobs = await openConversation(bob.sessionToken);
    await send(bob.sessionToken, bobs, "b1", "private");

    const t = alice.sessionToken;
    await expectNotFound(await api(`/v1/conversations/${bobs}`, { token: t }));
    await expectNotFound(await api(`/v1/conversations/${bobs}/events`, { token: t }));
    await expectNotFound(await send(t, bobs, "a1", "let me in"));
    await expectNotFound(await api(`/v1/conversations/${bobs}/read`, { method: "POST", token: t, json: { seq: 1 } }));

    const page = await json<{ events: unknown[] }>(await api(`/v1/conversations/${bobs}/events`, { token: bob.sessionToken }));
    expect(page.events).toHaveLength(1);
  });

  it("answers 404 for ids that do not exist or are malformed", async () => {
    const s = await openSession(uniqueUser());
    await expectNotFound(await api("/v1/conversations/cnv_0000000000000000000000", { token: s.sessionToken }));
    await expectNotFound(await api("/v1/conversations/../../admin", { token: s.sessionToken }));
    await expectNotFound(await api("/v1/conversations/demo:cnv_x/events", { token: s.sessionToken }));
  });

  it("keeps another tenant's API key out of this tenant's threads", async () => {
    const other = `other-${crypto.randomUUID().slice(0, 8)}`;
    await insertTenant(env.DB, {
      id: other,
      name: "Other",
      allowedOrigins: [],
      identity: { issuer: other, hs256Secrets: ["other-tenant-secret-0123456789abcdef0123"] },
    });
    const { key } = await createApiKey(env.DB, other, "bot");
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    await expectNotFound(await api(`/v1/conversations/${id}/events`, { token: key }));
    await expectNotFound(
      await api(`/v1/conversations/${id}/messages`, {
        method: "POST",
        token: key,
        json: { clientId: "x", sender: { role: "bot", id: "intruder" }, content: { type: "text", text: "hi" } },
      }),
    );
  });

  it("answers unknown routes with problem+json", async () => {
    const res = await api("/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
