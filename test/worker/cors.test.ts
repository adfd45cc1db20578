// CORS per tenant: only a tenant's allowedOrigins get CORS headers, for
// requests that are that tenant's; preflights are answered with 204.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, identityToken, json, uniqueUser, type SessionAnswer } from "./helpers";
import { createTenant, postSession } from "./identity-helpers";

function fromOrigin(origin: string, extra: Record<string, string> = {}): Record<string, string> {
  return { origin, ...extra };
}

function preflight(path: string, origin: string): Promise<Response> {
  return api(path, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
}

async function shopTenant(): Promise<{ id: string; origin: string; secret: string }> {
  const origin = `https://${crypto.randomUUID()}.shop.example`;
  const tenant = await createTenant({ allowedOrigins: [origin] });
  return { id: tenant.id, origin, secret: tenant.secret };
}

describe("CORS", () => {
  it("answers a preflight for the tenant's own origin with 204", async () => {
    const shop = await shopTenant();
    const res = await preflight(`/v1/sessions?tenant=${shop.id}`, shop.origin);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Content-Type/);
    expect(res.headers.get("access-control-allow-methods")).toMatch(/DELETE/);
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("refuses a preflight from an origin no tenant (or not the named tenant) allows", async () => {
    const shop = await shopTenant();
    const other = await shopTenant();
    for (const res of [
      await preflight(`/v1/sessions?tenant=${shop.id}`, "https://evil.example"),
      await preflight(`/v1/sessions?tenant=${shop.id}`, other.origin),
      await preflight("/v1/me/conversations", "https://evil.example"),
    ]) {
      expect(res.status).toBe(403);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
    // Without a tenant parameter, an origin that some tenant allows passes the preflight.
    expect((await preflight("/v1/me/conversations", shop.origin)).status).toBe(204);
  });

  it("puts CORS headers on a session answer only for the body's tenant's origins", async () => {
    const shop = await shopTenant();
    const other = await shopTenant();
    const ok = await postSession({ tenant: shop.id }, fromOrigin(shop.origin));
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(ok.headers.get("vary")).toMatch(/Origin/);
    const foreign = await postSession({ tenant: shop.id }, fromOrigin(other.origin));
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    // Failures are readable by the tenant's page too (so it can react to a 401).
    const refused = await postSession({ tenant: shop.id, identityToken: "not.a.token" }, fromOrigin(shop.origin));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(refused.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);
  });

  it("finds the tenant of other routes from the session token", async () => {
    const shop = await shopTenant();
    const s = await json<SessionAnswer>(
      await postSession({ tenant: shop.id, identityToken: await identityToken(uniqueUser(), { iss: shop.id, secret: shop.secret }) }),
    );
    const mine = await api("/v1/me/conversations", { token: s.sessionToken, headers: fromOrigin(shop.origin) });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("access-control-allow-origin")).toBe(shop.origin);
    // The demo tenant's origin is not this tenant's.
    const demoOrigin = await api("/v1/me/conversations", { token: s.sessionToken, headers: fromOrigin("http://localhost:8787") });
    expect(demoOrigin.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends no CORS headers without an Origin, and none on the admin API", async () => {
    const shop = await shopTenant();
    const plain = await postSession({ tenant: shop.id });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const adminRes = await api(`/v1/admin/tenants/${shop.id}`, { token: ADMIN_TOKEN, headers: fromOrigin(shop.origin) });
    expect(adminRes.status).toBe(200);
    expect(adminRes.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("follows changes of a tenant's allowedOrigins", async () => {
    const shop = await shopTenant();
    const moved = `https://${crypto.randomUUID()}.new.example`;
    await api(`/v1/admin/tenants/${shop.id}`, { method: "PATCH", token: ADMIN_TOKEN, json: { allowedOrigins: [moved] } });
    expect((await postSession({ tenant: shop.id }, fromOrigin(moved))).headers.get("access-control-allow-origin")).toBe(moved);
    expect((await postSession({ tenant: shop.id }, fromOrigin(shop.origin))).headers.get("access-control-allow-origin")).toBeNull();
  });
});
