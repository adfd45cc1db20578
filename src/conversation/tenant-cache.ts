// The tenant's settings a Conversation DO applies on its own: the per-device
// send limit (customer sends counted here, HTTP and socket alike: no limiter
// round trip per message) and the idle return of a thread an agent holds.
// Read from D1 on first use, then refreshed in the background once a minute.
import type { Env } from "../env";
import type { CustomerAccess } from "../protocol/access";
import { findTenant } from "../directory/tenants";
import { idleReturnMinutesOf } from "../directory/tenant-settings";
import { limitsOf } from "../ratelimit/limits";
import { LocalBuckets } from "../ratelimit/local-buckets";
import type { BucketLimit } from "../ratelimit/token-bucket";
import { DEFAULT_IDLE_RETURN_MINUTES } from "./handover";

/** How often the tenant's settings (limits, idle return) are read again. */
const TENANT_REFRESH_MS = 60_000;

/** One Conversation DO's copy of its tenant's settings; the defaults apply until the first load ends. */
export class TenantCache {
  /** Customer sends per device. */
  private readonly deviceSends = new LocalBuckets();
  /** The tenant's per-device send limit; undefined until loaded (the var default applies meanwhile). */
  private deviceSendLimit: BucketLimit | null | undefined;
  /** The tenant's handover.idleReturnMinutes (null = never); the default until loaded. */
  private idleReturn: number | null = DEFAULT_IDLE_RETURN_MINUTES;
  private tenantLoadedAt = 0;

  constructor(private readonly env: Env) {}

  /** The tenant's handover.idleReturnMinutes (null = never). */
  get idleReturnMinutes(): number | null {
    return this.idleReturn;
  }

  /** Loads the tenant's settings on first use, then refreshes them in the background once a minute. */
  async ensure(tenant: string): Promise<void> {
    if (Date.now() - this.tenantLoadedAt < TENANT_REFRESH_MS) return;
    const loading = this.loadTenant(tenant);
    if (this.tenantLoadedAt === 0) await loading;
  }

  /** Counts one message of the customer's device. @throws ServiceError rate_limited over the tenant's limit */
  takeDeviceSend(access: CustomerAccess): void {
    const limit = this.deviceSendLimit === undefined ? limitsOf(this.env, undefined).sendsPerDevice : this.deviceSendLimit;
    this.deviceSends.take(`${access.userId}:${access.deviceId}`, limit);
  }

  private async loadTenant(tenant: string): Promise<void> {
    this.tenantLoadedAt = Date.now();
    try {
      const found = await findTenant(this.env.DB, tenant);
      this.deviceSendLimit = limitsOf(this.env, found?.rateLimits).sendsPerDevice;
      this.idleReturn = idleReturnMinutesOf(found?.settings);
    } catch (err) {
      console.error("loading the tenant's settings failed; the defaults apply", err);
    }
  }
}
