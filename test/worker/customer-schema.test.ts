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
  /** Tables declared WITHOUT ROWID, by name. */
  withoutRowid: string[];
  /** Explicit (not automatic) indexes on devices, sessions and session_buckets. */
  indexes: string[];
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
      withoutRowid: sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID' ORDER BY name")
        .toArray()
        .map((r) => r.name),
      indexes: sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('devices', 'sessions', 'session_buckets') ORDER BY name",
        )
        .toArray()
        .map((r) => r.name),
    };
  });
}

/**
 * Puts a Customer DO's devices, sessions and session_buckets back in their
 * form before step 6 (rowid tables, the sessions_by_device index), rows
 * kept, with the version at 5: an object as the previous release left it.
 */
function backToStep5(customer: DurableObjectStub): Promise<void> {
  return runInDurableObject(customer, (_instance, state) => {
    state.storage.sql.exec(`
      CREATE TABLE devices_old (device_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, refresh_hash TEXT NOT NULL,
        created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, revoked_at TEXT, refresh_expires_at TEXT,
        previous_refresh_hash TEXT, rotated_at TEXT);
      INSERT INTO devices_old SELECT device_id, session_id, refresh_hash, created_at, last_seen_at, revoked_at,
        refresh_expires_at, previous_refresh_hash, rotated_at FROM devices;
      DROP TABLE devices;
      ALTER TABLE devices_old RENAME TO devices;
      CREATE TABLE sessions_old (session_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
      INSERT INTO sessions_old SELECT session_id, device_id, created_at, revoked_at FROM sessions;
      DROP TABLE sessions;
      ALTER TABLE sessions_old RENAME TO sessions;
      CREATE INDEX sessions_by_device ON sessions (device_id);
      CREATE TABLE session_buckets_old (device_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);
      INSERT INTO session_buckets_old SELECT device_id, tokens, at FROM session_buckets;
      DROP TABLE session_buckets;
      ALTER TABLE session_buckets_old RENAME TO session_buckets;
      UPDATE schema_version SET version = 5;`);
  });
}

describe("Customer DO schema", () => {
  it("a new person's object gets people_sync, session_buckets and revocation_pushes from the numbered schema (step 5), devices and sessions WITHOUT ROWID (step 6)", async () => {
    const userId = uniqueUser("fresh");
    const res = await api("/v1/sessions", { method: "POST", json: { tenant: "demo", identityToken: await identityToken(userId) } });
    expect(res.status).toBe(201);
    const schema = await schemaOf(env.CUSTOMER.getByName(`demo:${userId}`));
    expect(schema.version).toBe(6);
    expect(schema.withoutRowid).toEqual(["devices", "session_buckets", "sessions"]);
    expect(schema.indexes).toEqual([]);
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
    expect((await schemaOf(customer)).version).toBe(6);

    // The session survives another eviction and is revoked at once on sign-out.
    const { sessionToken } = await json<SessionAnswer>(second);
    await evictDurableObject(customer);
    expect((await api("/v1/sessions", { token: sessionToken })).status).toBe(200);
    expect((await api("/v1/sessions/current", { method: "DELETE", token: sessionToken })).status).toBe(204);
    expect((await api("/v1/sessions", { token: sessionToken })).status).toBe(401);
  });

  it("an object from before step 6 (rowid devices and sessions) keeps its devices, sessions and buckets after it wakes and rebuilds them", async () => {
    const tenant = await createTenant({ rateLimits: { sessionsPerDevice: { limit: 3, periodSeconds: 3600 } } });
    const userId = uniqueUser("step5");
    const device = DEVICE();
    const other = DEVICE();
    const signIn = async (deviceId: string) =>
      postSession({ tenant: tenant.id, deviceId, identityToken: await identityToken(userId, { iss: tenant.id, secret: tenant.secret }) });
    const first = await json<SessionAnswer>(await signIn(device));
    const second = await json<SessionAnswer>(await signIn(device));
    const elsewhere = await json<SessionAnswer>(await signIn(other));
    const customer = env.CUSTOMER.getByName(`${tenant.id}:${userId}`);

    await backToStep5(customer);
    const before = await schemaOf(customer);
    expect(before.version).toBe(5);
    expect(before.withoutRowid).toEqual([]);
    expect(before.indexes).toEqual(["sessions_by_device"]);
    await evictDurableObject(customer);

    // Sessions recorded before the step still pass; the device list is intact.
    const listed = await api("/v1/sessions", { token: second.sessionToken });
    expect(listed.status).toBe(200);
    const { devices } = await json<{ devices: { deviceId: string }[] }>(listed);
    expect(devices.map((d) => d.deviceId).sort()).toEqual([device, other].sort());
    const after = await schemaOf(customer);
    expect(after.version).toBe(6);
    expect(after.withoutRowid).toEqual(["devices", "session_buckets", "sessions"]);
    expect(after.indexes).toEqual([]);

    // The copied bucket still counts: two of the device's three sessions were spent before the step.
    expect((await signIn(device)).status).toBe(201);
    const limited = await signIn(device);
    expect(limited.status).toBe(429);

    // The copied refresh token rotates (device row and its hash kept); the rotated-away one is theft.
    const refreshed = await postSession({ tenant: tenant.id, refreshToken: elsewhere.refreshToken });
    expect(refreshed.status).toBe(201);

    // Sign-out revokes the sessions recorded before the step at once.
    expect((await api("/v1/sessions/current", { method: "DELETE", token: second.sessionToken })).status).toBe(204);
    const revoked = await api("/v1/sessions", { token: first.sessionToken });
    expect(revoked.status).toBe(401);
    expect(await problemOf(revoked)).toMatchObject({ code: "token_revoked" });
    expect((await api("/v1/sessions", { token: elsewhere.sessionToken })).status).toBe(200);
  });
});
