// The Customer DO's numbered schema (src/customer/schema.ts): the tables that
// people-sync, session-limit and revocation-push used to create in every
// constructor are a numbered step now. A new object gets them from the step;
// an older object (tables made by the old constructors, schema at step 4)
// keeps reading its rows after it wakes and applies the step.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, identityToken, json, uniqueUser, type SessionAnswer } from "./helpers";
import { createTenant, postSession, problemOf } from "./identity-helpers";

const DEVICE = () => `dev_${crypto.randomUUID().replaceAll("-", "")}`;

interface SchemaState {
  version: number;
  tables: string[];
  peopleSyncColumns: string[];
}

function schemaOf(customer: DurableObjectStub): Promise<SchemaState> {
  return runInDurableObject(customer, (_instance, state) => {
    const sql = state.storage.sql;
    return {
      version: sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
      tables: sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .toArray()
        .map((r) => r.name),
      peopleSyncColumns: sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('people_sync')")
        .toArray()
        .map((r) => r.name),
    };
  });
}

describe("Customer DO schema", () => {
  it("a new person's object gets people_sync, session_buckets and revocation_pushes from the numbered schema (step 5)", async () => {
    const userId = uniqueUser("fresh");
    const res = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await identityToken(userId) } });
    expect(res.status).toBe(201);
    const schema = await schemaOf(env.CUSTOMER.getByName(`demo:${userId}`));
    expect(schema.version).toBe(5);
    expect(schema.tables).toEqual(expect.arrayContaining(["people_sync", "session_buckets", "revocation_pushes", "devices", "sessions"]));
    expect(schema.peopleSyncColumns).toContain("facts");
  });

  it("an older object (tables made by the old constructors, schema at step 4) keeps its rows after it wakes: the device's spent sessions still count, sign-out still revokes", async () => {
    const tenant = await createTenant({ rateLimits: { sessionsPerDevice: { limit: 2, periodSeconds: 3600 } } });
    const userId = uniqueUser("older");
    const device = DEVICE();
    const signIn = async () =>
      postSession({ tenant: tenant.id, deviceId: device, identityToken: await identityToken(userId, { iss: tenant.id, secret: tenant.secret }) });
    expect((await signIn()).status).toBe(201);
    const customer = env.CUSTOMER.getByName(`${tenant.id}:${userId}`);

    // As an object from before step 5 left it: the three tables exist (with rows), the version says 4.
    await runInDurableObject(customer, (_instance, state) => {
      state.storage.sql.exec("UPDATE schema_version SET version = 4");
    });
    await evictDurableObject(customer);

    // The bucket row written before the step is read after it: one session left on this device, then 429.
    const second = await signIn();
    expect(second.status).toBe(201);
    const limited = await signIn();
    expect(limited.status).toBe(429);
    expect(await problemOf(limited)).toMatchObject({ code: "rate_limited" });
    expect((await schemaOf(customer)).version).toBe(5);

    // The session survives another eviction and is revoked at once on sign-out.
    const { sessionToken } = await json<SessionAnswer>(second);
    await evictDurableObject(customer);
    expect((await api("/v1/sessions", { token: sessionToken })).status).toBe(200);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: sessionToken })).status).toBe(204);
    expect((await api("/v1/sessions", { token: sessionToken })).status).toBe(401);
  });
});
