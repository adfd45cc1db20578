// Whether anything would take an outbox entry of this thread, so that a tenant
// without webhook endpoints (and a thread without a channel binding) pays no
// outbox row and no alarm per event.
//
// The answer is cached per Conversation DO for SINK_INTEREST_TTL_MS and must
// never be stale in the "nobody wants it" direction, or a delivery is lost. So
// before reading the endpoints from D1, the DO registers with the tenant's
// TenantOutbox as a watcher; the webhooks routes, after every write to D1,
// ask that object to push `endpointsChanged()` to every live watcher and wait
// for it before answering. One object serialises both: either the
// registration comes first (the push reaches the DO and drops the cache,
// even one still loading — the generation check), or the D1 write comes first
// (the DO's read, made after registering, sees it). An unknown, expired or
// dropped cache answers "wanted": the entry is written and the outbox sorts it
// out at the alarm, as before.

/** How long a summary of the tenant's endpoints is trusted (ms). */
export const SINK_INTEREST_TTL_MS = 60_000;
/** After a failed refresh, entries are written (conservatively) and the next try waits this long (ms). */
const RETRY_MS = 5_000;

export interface SinkInterestSource {
  /** Registers this thread for pushes until at least `until` (ms since the epoch). */
  watch(tenant: string, until: number): Promise<void>;
  /** The entry types some enabled endpoint of the tenant takes, read fresh from D1. */
  wantedTypes(tenant: string): Promise<string[]>;
}

/** A Conversation DO's cached view of which outbox entry types a sink would take. */
export class SinkInterest {
  private types: Set<string> | null = null;
  private until = 0;
  private generation = 0;
  private loading: Promise<void> | null = null;
  private nextTryAt = 0;

  constructor(private readonly source: SinkInterestSource) {}

  /**
   * Whether an entry of `type` must be written. Synchronous (called inside the
   * append's transaction); true whenever the summary is missing or expired,
   * in which case a refresh starts in the background.
   */
  wants(tenant: string, type: string): boolean {
    const now = Date.now();
    if (this.types && now < this.until) return this.types.has(type);
    this.refresh(tenant);
    return true;
  }

  /** The tenant's endpoints changed: trust nothing cached or being loaded. */
  invalidate(): void {
    this.generation++;
    this.types = null;
    this.nextTryAt = 0;
  }

  /** Settles a refresh in flight (for alarm handlers and tests). */
  settled(): Promise<void> {
    return this.loading ?? Promise.resolve();
  }

  private refresh(tenant: string): void {
    if (this.loading || Date.now() < this.nextTryAt) return;
    const generation = this.generation;
    const started = Date.now();
    this.loading = (async () => {
      try {
        // Registering first is what makes the cache safe (see the file comment);
        // the watcher outlives the cache by a margin against clock skew.
        await this.source.watch(tenant, started + SINK_INTEREST_TTL_MS + 30_000);
        const types = await this.source.wantedTypes(tenant);
        if (generation !== this.generation) return; // changed meanwhile: the next entry asks again
        this.types = new Set(types);
        this.until = started + SINK_INTEREST_TTL_MS;
      } catch (err) {
        console.error("reading the tenant's webhook endpoints failed; outbox entries are written meanwhile", err);
        this.nextTryAt = Date.now() + RETRY_MS;
      } finally {
        this.loading = null;
      }
    })();
  }
}
