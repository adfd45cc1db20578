// Webhook endpoints through the API: admin keys only, the secret shown once,
// zod-checked bodies answered with problem+json, and outbound URLs that can
// never point into private, loopback or link-local networks (SSRF).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, json } from "./helpers";
import { addEndpoint, HOOKS, newTenant } from "./webhook-helpers";

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

describe("webhook endpoints", { timeout: 30_000 }, () => {
  it("creates, lists, reads, patches and deletes; the secret is shown once", async () => {
    const tenant = await newTenant();
    const created = await api("/v1/webhook-endpoints", {
      method: "POST",
      token: tenant.adminKey,
      json: { url: `${HOOKS}/crud`, events: ["message.created", "read"], description: "CRM" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const { endpoint, secret } = await json<{ endpoint: Record<string, unknown> & { id: string }; secret: string }>(created);
    expect(endpoint).toMatchObject({ url: `${HOOKS}/crud`, events: ["message.created", "read"], description: "CRM", disabled: false, bot: false });
    expect(endpoint.id).toMatch(/^whe_/);
    expect(Date.parse(String(endpoint.createdAt))).not.toBeNaN();
    expect(secret).toMatch(/^whsec_/);
    // At rest the secret is sealed, never stored as given.
    const stored = await env.DB.prepare("SELECT secret FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<{ secret: string }>();
    expect(stored?.secret).toMatch(/^v1\./);
    expect(stored?.secret).not.toContain(secret.slice(6, 20));

    const listed = await api("/v1/webhook-endpoints", { token: tenant.adminKey });
    const listText = await listed.text();
    expect(JSON.parse(listText)).toMatchObject({ endpoints: [{ id: endpoint.id }] });
    expect(listText).not.toContain(secret.slice(6));
    const one = await api(`/v1/webhook-endpoints/${endpoint.id}`, { token: tenant.adminKey });
    const oneText = await one.text();
    expect(JSON.parse(oneText)).toMatchObject({ endpoint: { id: endpoint.id } });
    expect(oneText).not.toContain("whsec_");

    const patched = await api(`/v1/webhook-endpoints/${endpoint.id}`, {
      method: "PATCH",
      token: tenant.adminKey,
      json: { url: `${HOOKS}/crud2`, events: ["message.created"], disabled: true, description: null, bot: true },
    });
    expect(patched.status).toBe(200);
    const { endpoint: after } = await json<{ endpoint: Record<string, unknown> }>(patched);
    expect(after).toMatchObject({ url: `${HOOKS}/crud2`, events: ["message.created"], disabled: true, bot: true });
    expect(after).not.toHaveProperty("description");

    // Another tenant cannot see it.
    const other = await newTenant();
    expect((await api(`/v1/webhook-endpoints/${endpoint.id}`, { token: other.adminKey })).status).toBe(404);
    expect((await api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", token: other.adminKey })).status).toBe(404);

    expect((await api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "DELETE", token: tenant.adminKey })).status).toBe(204);
    expect((await api(`/v1/webhook-endpoints/${endpoint.id}`, { token: tenant.adminKey })).status).toBe(404);
    expect(await json(await api("/v1/webhook-endpoints", { token: tenant.adminKey }))).toEqual({ endpoints: [] });
  });

  it("is for admin-role API keys only", async () => {
    const tenant = await newTenant();
    const bot = await api("/v1/webhook-endpoints", { token: tenant.botKey });
    expect(bot.status).toBe(403);
    expect(bot.headers.get("content-type")).toBe("application/problem+json");
    expect((await api("/v1/webhook-endpoints")).status).toBe(401);
  });

  it("answers bad bodies with 400 problem+json and the failing path", async () => {
    const tenant = await newTenant();
    const post = (body: unknown) => api("/v1/webhook-endpoints", { method: "POST", token: tenant.adminKey, json: body });
    const cases: [unknown, string][] = [
      [{ url: `${HOOKS}/x`, events: [] }, "events"],
      [{ url: `${HOOKS}/x`, events: ["message.exploded"] }, "events.0"],
      [{ url: `${HOOKS}/x`, events: ["read", "read"] }, "events"],
      [{ url: `${HOOKS}/x`, events: ["read"], extra: 1 }, "extra"],
      [{ events: ["read"] }, "url"],
      [{ url: "not a url", events: ["read"] }, "url"],
    ];
    for (const [body, path] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const problem = await json<Problem>(res);
      expect(problem.code).toBe("invalid_request");
      expect(problem.errors?.map((e) => e.path), JSON.stringify(body)).toContain(path);
    }
    const notJson = await api("/v1/webhook-endpoints", { method: "POST", token: tenant.adminKey, body: "url=x", headers: { "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
    const { endpoint } = await addEndpoint(tenant, ["read"]);
    const empty = await api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", token: tenant.adminKey, json: {} });
    expect(empty.status).toBe(400);
    const badCursor = await api(`/v1/webhook-endpoints/${endpoint.id}/deliveries?cursor=%%%`, { token: tenant.adminKey });
    expect(badCursor.status).toBe(400);
    const badStatus = await api(`/v1/webhook-endpoints/${endpoint.id}/deliveries?status=lost`, { token: tenant.adminKey });
    expect(badStatus.status).toBe(400);
  });

  it("refuses URLs into private, loopback and link-local networks (SSRF), and non-https", async () => {
    const tenant = await newTenant();
    const refused = [
      "https://10.0.0.1/",
      "https://[::1]/",
      "https://169.254.169.254/latest/meta-data",
      "https://172.16.5.4/",
      "https://172.31.255.255/",
      "https://192.168.1.10/hook",
      "https://127.0.0.2/",
      "https://0.0.0.0/",
      "https://100.64.0.1/",
      "https://[fc00::1]/",
      "https://[fd12:3456::1]/",
      "https://[fe80::1]/",
      "https://[::ffff:10.0.0.1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:a9fe:a9fe]/",
      "https://[::]/",
      // Other spellings of 10.0.0.1, as URL parsers normalise them.
      "https://0x0a.0.0.1/",
      "https://167772161/",
      "https://012.0.0.1/",
      "http://hooks.example.com/",
      "ftp://hooks.example.com/",
      "https://user:pass@hooks.example.com/",
      "http://[::1]:8080/",
      "https://foo.localhost/",
      "https://foo.localhost./",
      "https://198.51.100.7/",
      "https://203.0.113.9/",
      "https://224.0.0.251/",
      "https://[64:ff9b::a9fe:a9fe]/",
      "https://[2001:db8::1]/",
      "https://[ff02::1]/",
    ];
    for (const url of refused) {
      const res = await api("/v1/webhook-endpoints", { method: "POST", token: tenant.adminKey, json: { url, events: ["read"] } });
      expect(res.status, url).toBe(400);
      expect((await json<Problem>(res)).errors?.[0]?.path, url).toBe("url");
    }
    const { endpoint } = await addEndpoint(tenant, ["read"]);
    const patch = await api(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", token: tenant.adminKey, json: { url: "https://10.0.0.1/" } });
    expect(patch.status).toBe(400);

    const allowed = ["https://hooks.example.com/carryover", "https://172.32.0.1/", "https://[2606:4700::1111]/", "https://8.8.8.8/x"];
    // Local development (DEV_SEED, as in these tests) also allows the local host.
    allowed.push("http://127.0.0.1:9999/hook", "http://localhost:3000/hook");
    for (const url of allowed) {
      const res = await api("/v1/webhook-endpoints", { method: "POST", token: tenant.adminKey, json: { url, events: ["read"] } });
      expect(res.status, url).toBe(201);
    }
  });

  it("allows at most 20 endpoints per tenant", async () => {
    const tenant = await newTenant();
    for (let i = 0; i < 20; i++) await addEndpoint(tenant, ["read"]);
    const res = await api("/v1/webhook-endpoints", { method: "POST", token: tenant.adminKey, json: { url: `${HOOKS}/x`, events: ["read"] } });
    expect(res.status).toBe(409);
    expect((await json<Problem>(res)).code).toBe("conflict");
  });

  it("rotate-secret returns a new secret, shown once", async () => {
    const tenant = await newTenant();
    const { endpoint, secret } = await addEndpoint(tenant, ["read"]);
    const res = await api(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", token: tenant.adminKey });
    expect(res.status).toBe(200);
    const { secret: next } = await json<{ secret: string }>(res);
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    expect((await api(`/v1/webhook-endpoints/whe_nope/rotate-secret`, { method: "POST", token: tenant.adminKey })).status).toBe(404);
  });
});
