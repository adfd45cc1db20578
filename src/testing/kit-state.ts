// What the kit remembers between starts on one `persistTo` folder. D1 keeps
// only hashes of API keys, and the admin token lives in the Worker's vars, so
// the credentials the kit made are written beside the state it persists, in
// `<folder>/carryover-testing.json`; without them a second start could not
// reach the tenants of the first.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The file's name inside the `persistTo` folder. */
export const KIT_STATE_FILE = "carryover-testing.json";

/** A tenant's credentials as the kit made them: all of a `TestTenant` but its id and helpers. */
export interface SavedTenant {
  /** The HS256 identity secret. */
  identitySecret: string;
  /** The bot-role key (`ck_…`). */
  apiKey: string;
  /** The admin-role key (`ck_…`). */
  adminKey: string;
}

/** Where `createTestTenant` looks up, and keeps, the credentials of tenants it made. */
export interface TenantBook {
  /** The credentials kept for `id`, or undefined. */
  find(id: string): SavedTenant | undefined;
  /** Keeps `tenant` under `id` (replacing what was kept). */
  keep(id: string, tenant: SavedTenant): void;
}

interface Stored {
  version: 1;
  adminToken: string;
  /** The id `cv.tenant` had on the last start. */
  tenant?: string;
  tenants: Record<string, SavedTenant>;
}

function isSavedTenant(value: unknown): value is SavedTenant {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.identitySecret === "string" && typeof v.apiKey === "string" && typeof v.adminKey === "string";
}

function isStored(value: unknown): value is Stored {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === 1 &&
    typeof v.adminToken === "string" &&
    (v.tenant === undefined || typeof v.tenant === "string") &&
    typeof v.tenants === "object" &&
    v.tenants !== null &&
    Object.values(v.tenants).every(isSavedTenant)
  );
}

/** The kit's state file of one `persistTo` folder, written on every change. */
export class KitState implements TenantBook {
  // Plain fields, not parameter properties: the kit also runs under Node's type stripping (npm run soak).
  private readonly path: string;
  private readonly stored: Stored;

  private constructor(path: string, stored: Stored) {
    this.path = path;
    this.stored = stored;
  }

  /**
   * Reads `<folder>/carryover-testing.json`, or starts one with a new random
   * admin token (written at once, creating the folder).
   * @throws Error naming the file when it exists but is not the kit's JSON.
   */
  static open(folder: string): KitState {
    const path = join(folder, KIT_STATE_FILE);
    let text: string | null = null;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ENOENT") throw err;
    }
    if (text === null) {
      const state = new KitState(path, { version: 1, adminToken: `test-admin-${crypto.randomUUID()}`, tenants: {} });
      mkdirSync(folder, { recursive: true });
      state.save();
      return state;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = null;
    }
    if (!isStored(value)) throw new Error(`${path} is not carryover/testing's state file: remove it, or the whole folder to start afresh`);
    return new KitState(path, value);
  }

  /** The admin token every start on this folder runs with. */
  get adminToken(): string {
    return this.stored.adminToken;
  }

  /** The id `cv.tenant` had on the last start, if any. */
  get defaultTenant(): string | undefined {
    return this.stored.tenant;
  }

  set defaultTenant(id: string | undefined) {
    if (id === this.stored.tenant) return;
    if (id === undefined) delete this.stored.tenant;
    else this.stored.tenant = id;
    this.save();
  }

  find(id: string): SavedTenant | undefined {
    return Object.hasOwn(this.stored.tenants, id) ? this.stored.tenants[id] : undefined;
  }

  keep(id: string, tenant: SavedTenant): void {
    this.stored.tenants[id] = { identitySecret: tenant.identitySecret, apiKey: tenant.apiKey, adminKey: tenant.adminKey };
    this.save();
  }

  /** Written whole to a temporary file and renamed, so a crash never leaves half a file; readable by the owner only. */
  private save(): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.stored, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
  }
}
