// The Customer Durable Object (one per tenant + person, guests included):
// their devices and sessions, their conversation list, guest merges and
// used handoff tokens. Hot per-person writes stay here, never in a
// tenant-wide store. Tokens arrive here only as hashes.
import { conversationStub, customerStub } from "../directory/stubs";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import type { ConversationInfo } from "../protocol/event";
import { toResult, type Result } from "../protocol/result";
import type { ThreadSummary } from "../protocol/thread";
import { Devices, type DeviceInfo } from "./devices";
import { GuestTokens } from "./guest";
import { UsedHandoffs } from "./handoffs";
import { finishMerges, PendingMerges } from "./merges";
import { PeopleSync } from "./people-sync";
import { Profile } from "./profile";
import { migrate } from "./schema";
import { ThreadList } from "./threads";
import { RevocationPush } from "./revocation-push";
import { DeviceSessionLimit } from "./session-limit";
import type { BucketLimit } from "../ratelimit/token-bucket";
import type { RevokedSession } from "../conversation/revoked-sessions";
import { deliverToThread, type BroadcastDelivery } from "../broadcast/deliver";
import { mergePerson } from "../broadcast/people";

/** A session granted on one device; the Worker signs the session token from it. */
export interface SessionGrant {
  deviceId: string;
  sessionId: string;
  name?: string;
}

interface DeviceInput {
  tenant: string;
  userId: string;
  deviceId: string;
  refreshHash: string;
  /** The tenant's sessionsPerDevice, counted here when the request named its device (src/customer/session-limit.ts). */
  deviceLimit?: BucketLimit;
}

export class Customer extends DurableObject<Env> {
  private readonly devices: Devices;
  private readonly threads: ThreadList;
  private readonly profile: Profile;
  private readonly guest: GuestTokens;
  private readonly handoffs: UsedHandoffs;
  private readonly merges: PendingMerges;
  private readonly people: PeopleSync;
  /** Tells the person's threads about sign-outs before they are answered. */
  private readonly revocations: RevocationPush;
  private readonly sessionLimit: DeviceSessionLimit;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    migrate(sql);
    this.devices = new Devices(sql);
    this.threads = new ThreadList(sql);
    this.profile = new Profile(sql);
    this.guest = new GuestTokens(sql, this.profile);
    this.handoffs = new UsedHandoffs(sql);
    this.merges = new PendingMerges(sql);
    this.people = new PeopleSync(sql, env.DB, () => this.profile.get(), () => this.ctx.storage.setAlarm(Date.now() + 2_000));
    this.sessionLimit = new DeviceSessionLimit(sql);
    this.revocations = new RevocationPush(
      sql,
      () => [...new Set([...this.threads.ids(), ...this.merges.threads().map((t) => t.threadId)])],
      (threadId, notice) => conversationStub(env, this.profile.get().tenant ?? "", threadId).revokeSessions(notice),
      () => this.ctx.storage.setAlarm(Date.now() + 2_000),
    );
  }

  /**
   * An identified person signs in on a device (identity token verified by the
   * Worker). `sessionId`, when given, is the new session's id, chosen by the
   * Worker (`ses_` + 22 base62 characters, src/ids.ts) so it can sign the
   * session token while this call is in flight; the grant names it.
   */
  async openSession(input: DeviceInput & { name?: string; email?: string; avatar?: string; sessionId?: string }): Promise<Result<SessionGrant>> {
    return toResult(() => {
      const { refreshHash, deviceId, deviceLimit, sessionId, ...profile } = input;
      this.sessionLimit.take(deviceId, deviceLimit);
      this.profile.set(profile);
      return this.grant(deviceId, refreshHash, sessionId);
    });
  }

  /** A new guest: this object is created for it. */
  async createGuest(input: DeviceInput & { guestTokenHash: string }): Promise<Result<SessionGrant>> {
    return toResult(() => {
      this.profile.set({ tenant: input.tenant, userId: input.userId });
      this.guest.add(input.guestTokenHash);
      return this.grant(input.deviceId, input.refreshHash);
    });
  }

  /** The same guest again, on any device that holds one of its guest tokens. */
  async resumeGuest(input: DeviceInput & { guestTokenHash: string }): Promise<Result<SessionGrant>> {
    return toResult(() => {
      this.sessionLimit.take(input.deviceId, input.deviceLimit);
      this.guest.check(input.guestTokenHash);
      return this.grant(input.deviceId, input.refreshHash);
    });
  }

  /** A new session for the same device; the refresh token rotates. */
  async refreshSession(input: { deviceId: string; presentedHash: string; nextHash: string; deviceLimit?: BucketLimit }): Promise<Result<SessionGrant>> {
    const result = await toResult(() => {
      this.sessionLimit.take(input.deviceId, input.deviceLimit);
      const { sessionId } = this.devices.rotate(input.deviceId, input.presentedHash, input.nextHash);
      this.people.seen();
      return this.withName({ deviceId: input.deviceId, sessionId });
    });
    // A reused refresh token revoked the device: its live sockets end too.
    if (!result.ok && result.error.code === "token_revoked") await this.disconnect([input.deviceId]);
    return result;
  }

  /** Redeems a handoff token (signature checked by the Worker) once, for a new device. */
  async redeemHandoff(
    input: DeviceInput & {
      jti: string;
      expiresAt: string;
      conversationId: string;
      guestTokenHash?: string;
      /** The session that asked for the link: a link outlives no sign-out of its maker. */
      issuedBy?: { deviceId: string; sessionId: string };
    },
  ): Promise<Result<SessionGrant>> {
    return toResult(() => {
      this.sessionLimit.take(input.deviceId, input.deviceLimit);
      this.guest.assertNotMerged();
      if (input.issuedBy && !this.devices.sessionActive(input.issuedBy.deviceId, input.issuedBy.sessionId)) {
        throw new ServiceError("token_revoked", "the device that made this handoff link has signed out");
      }
      if (!this.threads.has(input.conversationId)) {
        throw new ServiceError("invalid_token", "the handoff token's conversation is not this person's");
      }
      this.handoffs.use(input.jti, input.expiresAt);
      if (input.guestTokenHash) this.guest.add(input.guestTokenHash);
      return this.grant(input.deviceId, input.refreshHash);
    });
  }

  async listDevices(): Promise<DeviceInfo[]> {
    return this.devices.list();
  }

  /**
   * Whether a session token (device + session id) is still signed in: the
   * check behind every customer route (src/auth/revocation.ts).
   */
  async sessionActive(deviceId: string, sessionId: string): Promise<boolean> {
    return this.devices.sessionActive(deviceId, sessionId);
  }

  async signOut(deviceId: string): Promise<void> {
    this.devices.revoke(deviceId);
    await this.disconnect([deviceId]);
  }

  /** Every device signs out; a guest's tokens stop too, so nothing can sign this guest in again. */
  async signOutEverywhere(): Promise<string[]> {
    const ids = this.devices.revokeAll();
    this.guest.revokeAll();
    await this.disconnect(ids);
    return ids;
  }

  /**
   * Moves a guest's threads into this identified person. Only the Worker calls
   * this, after verifying the identity token: a signed proof, never a match on
   * an email.
   */
  async mergeGuest(input: {
    tenant: string;
    userId: string;
    guestId: string;
    guestTokenHash: string;
    /** The person's name from the identity token, if it has one: the moved threads are named so at once. */
    name?: string;
  }): Promise<Result<{ conversationIds: string[] }>> {
    this.profile.set({ tenant: input.tenant, userId: input.userId, name: input.name });
    const guest = customerStub(this.env, input.tenant, input.guestId);
    const claim = await guest.claimGuestMerge({ guestTokenHash: input.guestTokenHash, into: input.userId });
    if (!claim.ok) return claim;
    this.merges.add(input.guestId, claim.value.threadIds);
    await this.finishMerges();
    try {
      await mergePerson(this.env.DB, input.tenant, input.guestId, input.userId);
    } catch (err) {
      // The merge itself is done. Logged: the guest's opt-ins then stay with the guest id
      // (a broadcast to it fails for that recipient with a reason) until the person opts in.
      console.error("moving a merged guest's subscriptions failed", err);
    }
    return { ok: true, value: { conversationIds: claim.value.threadIds } };
  }

  /** On the guest's object: stop the guest (devices signed out) and hand over its thread ids. */
  async claimGuestMerge(input: { guestTokenHash: string; into: string }): Promise<Result<{ threadIds: string[] }>> {
    const result = await toResult(() => {
      this.guest.claim(input.guestTokenHash, input.into);
      return { threadIds: this.threads.ids(), deviceIds: this.devices.revokeAll() };
    });
    if (!result.ok) return result;
    await this.disconnect(result.value.deviceIds);
    return { ok: true, value: { threadIds: result.value.threadIds } };
  }

  /** On the guest's object: the person holds every thread now; the merge is final. */
  async confirmGuestMerge(into: string): Promise<void> {
    this.guest.confirm(into);
  }

  /**
   * The person's open conversation, created when they have none.
   * `seenOnChannel`: a messenger user (msgr_, wa_) just wrote — they have no
   * session, so this is where they become a person of the people index
   * (API.md: every person who ever had a session or a channel identity),
   * with the name the platform gave, if any.
   */
  async openConversation(input: {
    tenant: string;
    userId: string;
    ref?: string;
    seenOnChannel?: { name?: string };
  }): Promise<Result<{ conversation: ConversationInfo; created: boolean }>> {
    // A merged guest's session token lives on for minutes; it starts nothing new. A messenger
    // user's message from the app is no guest token: their website sessions signed out
    // everywhere, the app still writes to them (only a merge moves the identity elsewhere).
    const refused = await toResult(() => (input.seenOnChannel ? this.guest.assertUnmerged() : this.guest.assertNotMerged()));
    if (!refused.ok) return refused;
    if (input.seenOnChannel) {
      this.profile.set({ tenant: input.tenant, userId: input.userId, name: input.seenOnChannel.name });
      this.people.seen();
    }
    // With several threads (merged guests), which one is most recently active is read from them.
    if (this.threads.ids().length > 1) await this.refreshThreads();
    const existing = this.threads.open();
    const id = existing ?? newId("cnv");
    const init: { tenant: string; id: string; userId: string; ref?: string; customerName?: string; revoked?: RevokedSession[] } = {
      tenant: input.tenant,
      id,
      userId: input.userId,
    };
    // A new thread refuses the person's signed-out sessions from the start.
    const { revoked } = this.revocations.notice();
    if (revoked.length > 0) init.revoked = revoked;
    if (input.ref) init.ref = input.ref;
    // The business's directory names the customer from the start, not only from their first message.
    const name = this.profile.get().name;
    if (name) init.customerName = name;
    // Record the thread first: a crash after this line leaves an id whose
    // init() is retried on the next call, never a conversation nobody lists.
    this.threads.add(id);
    const conversation = await conversationStub(this.env, input.tenant, id).init(init);
    return { ok: true, value: { conversation, created: existing === null } };
  }

  /** The person's threads; a merged guest has none left (they moved to the person). */
  async listThreads(): Promise<ThreadSummary[]> {
    if (this.profile.get().mergedInto !== undefined) return [];
    await this.refreshThreads();
    return this.threads.list();
  }

  /**
   * Asks each of the person's threads (a handful) for its summary now and
   * stores it: the list is pulled when read, so appends pay nothing for it.
   * A thread that does not answer keeps its last stored summary.
   */
  private async refreshThreads(): Promise<void> {
    const { tenant, userId } = this.profile.get();
    if (!tenant || !userId) return;
    const ids = this.threads.ids();
    const answers = await Promise.allSettled(ids.map((id) => conversationStub(this.env, tenant, id).threadSummary(tenant, userId)));
    answers.forEach((answer, i) => {
      if (answer.status === "fulfilled" && answer.value) this.threads.record(answer.value);
      else if (answer.status === "rejected") console.error(`reading the summary of thread ${ids[i]} failed; the stored one is listed`, answer.reason);
    });
  }

  /** Called by a Conversation DO when its owner changes (a guest merge). */
  async recordThread(summary: ThreadSummary): Promise<void> {
    this.threads.record(summary);
  }

  /** This person's copy of a broadcast, in their open thread (created if none); idempotent per broadcast. */
  async deliverBroadcast(delivery: BroadcastDelivery): Promise<Result<{ conversationId: string; seq: number; created: boolean }>> {
    return deliverToThread(this.env, delivery, () => this.openConversation({ tenant: delivery.tenant, userId: delivery.userId }));
  }

  /** Finishes a guest merge that was interrupted, and a people-index push that failed. */
  override async alarm(): Promise<void> {
    await this.finishMerges();
    await this.revocations.retryPending();
    await this.people.flush();
  }

  private grant(deviceId: string, refreshHash: string, chosenSessionId?: string): SessionGrant {
    const { sessionId } = this.devices.open(deviceId, refreshHash, new Date(), chosenSessionId);
    this.people.seen();
    return this.withName({ deviceId, sessionId });
  }

  private withName(grant: SessionGrant): SessionGrant {
    const name = this.profile.get().name;
    return name ? { ...grant, name } : grant;
  }

  /**
   * After a revocation is committed here: every thread of this person learns
   * the signed-out sessions (and closes those devices' sockets with 4008)
   * before the revocation is answered, since conversation routes and the
   * live socket check revocation in the thread (src/customer/revocation-push.ts).
   * Throws when a thread could not be told; the alarm retries it.
   */
  private async disconnect(deviceIds: string[]): Promise<void> {
    if (!this.profile.get().tenant || deviceIds.length === 0) return;
    await this.revocations.push();
  }

  /** Finishes pending guest merges; on any failure the alarm tries again. */
  private async finishMerges(): Promise<void> {
    const { tenant, userId } = this.profile.get();
    if (!tenant || !userId) return;
    try {
      await finishMerges(this.merges, {
        // The moved thread refuses this person's signed-out sessions too.
        reassign: (t) =>
          conversationStub(this.env, tenant, t.threadId).reassignOwner(t.guestId, userId, this.revocations.notice().revoked, this.profile.get().name),
        confirm: (guestId) => customerStub(this.env, tenant, guestId).confirmGuestMerge(userId),
        record: (summary) => this.threads.record(summary),
      });
    } catch (err) {
      console.error("guest merge interrupted; retrying by alarm", err);
      await this.ctx.storage.setAlarm(Date.now() + 2_000);
    }
  }
}
