// POST /demo/token: the demo page's stand-in for a business backend that signs
// visitors in. Only exists with DEV_SEED=true.
import { describe, expect, it } from "vitest";
import { assertDemoEnabled, mintDemoToken } from "../../src/http/demo";
import { ServiceError } from "../../src/protocol/errors";
import { api, json, uniqueUser } from "./helpers";

describe("POST /demo/token", () => {
  it("mints an identity token that opens a session for that user and name", async () => {
    const sub = uniqueUser("demo");
    const res = await api("/demo/token", { method: "POST", json: { sub, name: "Alice" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { token } = await json<{ token: string }>(res);
    const session = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: token } });
    expect(session.status).toBe(201);
    expect((await json<{ user: unknown }>(session)).user).toEqual({ id: sub, name: "Alice", guest: false });
  });

  it("rejects a body without sub as invalid_request", async () => {
    const res = await api("/demo/token", { method: "POST", json: { name: "Alice" } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await json<{ code: string; errors: { path: string }[] }>(res)).errors[0]?.path).toBe("sub");
  });

  it("does not exist without DEV_SEED: mintDemoToken fails with not_found", async () => {
    expect(() => assertDemoEnabled({ devSeed: false })).toThrow(ServiceError);
    const failure = await mintDemoToken({ devSeed: false }, { sub: "alice" }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServiceError);
    expect((failure as ServiceError).code).toBe("not_found");
    expect((failure as ServiceError).status).toBe(404);
  });
});

describe("POST /demo/identity (the widget's identity endpoint, as a site would write it)", () => {
  it("answers 401 without the demo_user cookie and a token for the signed-in user with it", async () => {
    const signedOut = await api("/demo/identity", { method: "POST" });
    expect(signedOut.status).toBe(401);
    const sub = uniqueUser("cookie");
    const res = await api("/demo/identity", { method: "POST", headers: { cookie: `demo_user=${sub}; demo_name=Dana` } });
    expect(res.status).toBe(200);
    const { token } = await json<{ token: string }>(res);
    const session = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: token } });
    expect((await json<{ user: unknown }>(session)).user).toEqual({ id: sub, name: "Dana", guest: false });
  });
});
