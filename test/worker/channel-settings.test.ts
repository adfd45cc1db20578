// Channel settings (PUT/GET/DELETE /v1/channels): admin keys only, secrets
// sealed at rest and never read back; the webhook verification handshake.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BOT_KEY, api, json } from "./helpers";
import { channelTenant } from "./channel-helpers";
import { problemOf } from "./identity-helpers";
import { openSecrets, sealSecrets } from "../../src/channels/secrets";

describe("channel settings", () => {
  it("are set by admin keys, listed without secrets, and stored encrypted", async () => {
    const t = await channelTenant();
    const list = await api("/v1/channels", { token: t.adminKey });
    expect(list.status).toBe(200);
    const text = await list.text();
    for (const secret of [t.pageToken, t.appSecret, t.verifyToken, t.waToken, t.waSecret]) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({
      channels: [
        { kind: "messenger", pageId: t.pageId, webhookPath: `/v1/channels/${t.id}/messenger/webhook` },
        { kind: "whatsapp", phoneNumberId: t.phoneNumberId, webhookPath: `/v1/channels/${t.id}/whatsapp/webhook` },
      ],
    });

    const rows = await env.DB.prepare("SELECT kind, account_id, secrets FROM channels WHERE tenant_id = ?").bind(t.id).all<{ secrets: string }>();
    expect(rows.results).toHaveLength(2);
    for (const row of rows.results) {
      expect(row.secrets).toMatch(/^v1\./);
      for (const secret of [t.pageToken, t.appSecret, t.verifyToken, t.waToken, t.waSecret]) expect(row.secrets).not.toContain(secret);
    }

    const deleted = await api("/v1/channels/whatsapp", { method: "DELETE", token: t.adminKey });
    expect(deleted.status).toBe(204);
    expect((await json<{ channels: unknown[] }>(await api("/v1/channels", { token: t.adminKey }))).channels).toHaveLength(1);
    expect((await problemOf(await api("/v1/channels/whatsapp", { method: "DELETE", token: t.adminKey }))).status).toBe(404);
  });

  it("refuse other roles, customers and bad bodies", async () => {
    const t = await channelTenant();
    const body = { pageId: "123", pageAccessToken: "token-123456", appSecret: "secret-123456", verifyToken: "verify-123456" };
    expect(await problemOf(await api("/v1/channels/messenger", { method: "PUT", token: BOT_KEY, json: body }))).toMatchObject({ status: 403, code: "forbidden" });
    // Any business caller reads its own tenant's channels (no secrets in them); a customer does not.
    expect((await api("/v1/channels", { token: BOT_KEY })).status).toBe(200);
    const customer = await json<{ sessionToken: string }>(await api("/v1/sessions", { method: "POST", json: { tenant: t.id } }));
    expect(await problemOf(await api("/v1/channels", { token: customer.sessionToken }))).toMatchObject({ status: 403 });
    expect(await problemOf(await api("/v1/channels/messenger", { method: "PUT", json: body }))).toMatchObject({ status: 401 });
    const bad = await api("/v1/channels/messenger", { method: "PUT", token: t.adminKey, json: { ...body, pageId: "12 3", extra: 1 } });
    expect(await problemOf(bad)).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await problemOf(await api("/v1/channels/telegram", { method: "DELETE", token: t.adminKey }))).toMatchObject({ status: 404 });
  });

  it("answer the verification handshake only with the right verify token", async () => {
    const t = await channelTenant();
    const ok = await api(`/v1/channels/${t.id}/messenger/webhook?hub.mode=subscribe&hub.verify_token=${t.verifyToken}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const wa = await api(`/v1/channels/${t.id}/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=${t.verifyToken}&hub.challenge=abc`);
    expect(await wa.text()).toBe("abc");
    for (const query of [
      `hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`,
      `hub.mode=unsubscribe&hub.verify_token=${t.verifyToken}&hub.challenge=1`,
      `hub.mode=subscribe&hub.challenge=1`,
    ]) {
      expect((await api(`/v1/channels/${t.id}/messenger/webhook?${query}`)).status).toBe(403);
    }
    expect((await api(`/v1/channels/no-such-tenant/messenger/webhook?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1`)).status).toBe(403);
  });

  it("are published in /openapi.json", async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await api("/openapi.json"));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/channels/messenger", "/v1/channels/{tenant}/messenger/webhook", "/v1/conversations/{id}/channel-link", "/v1/conversations/{id}/channel-deliveries"]),
    );
    expect(doc.paths["/v1/channels/messenger"]?.put).toMatchObject({ requestBody: { content: { "application/json": { schema: { required: ["pageId", "pageAccessToken", "appSecret", "verifyToken"] } } } } });
  });

  it("seal secrets with AES-GCM bound to their tenant and channel, and need a key outside development", async () => {
    const key = { CHANNEL_SECRETS_KEY: "k".repeat(40) };
    const sealed = await sealSecrets(key, "acme:messenger", { accessToken: "EAAG-secret" });
    expect(sealed).not.toContain("EAAG");
    expect(await sealSecrets(key, "acme:messenger", { accessToken: "EAAG-secret" })).not.toBe(sealed); // a fresh IV
    expect(await openSecrets(key, "acme:messenger", sealed)).toEqual({ accessToken: "EAAG-secret" });
    await expect(openSecrets(key, "other:messenger", sealed)).rejects.toThrow();
    await expect(openSecrets({ CHANNEL_SECRETS_KEY: "j".repeat(40) }, "acme:messenger", sealed)).rejects.toThrow();
    const [v, iv, data] = sealed.split(".");
    const flipped = `${v}.${iv}.${data!.startsWith("A") ? "B" : "A"}${data!.slice(1)}`;
    await expect(openSecrets(key, "acme:messenger", flipped)).rejects.toThrow();
    await expect(sealSecrets({}, "acme:messenger", {})).rejects.toThrow(/CHANNEL_SECRETS_KEY/);
    await expect(sealSecrets({ CHANNEL_SECRETS_KEY: "short" }, "acme:messenger", {})).rejects.toThrow(/CHANNEL_SECRETS_KEY/);
    expect(await sealSecrets({ DEV_SEED: "true" }, "acme:messenger", {})).toMatch(/^v1\./);
  });
});
