// How the business state of one conversation changes over time: every change
// is the meta row and one conversation.updated event, written together; what
// a new message does to the state (a customer reopens, an agent takes the
// thread from the bot); snoozes that end and idle agents' threads returning
// to the bot, by the "snooze" and "idle-return" timers.
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import type { Sender } from "../protocol/event";
import { handoverSender } from "./business-events";
import type { AppendOutcome, EventStore } from "./event-store";
import { handedOver, idleReturnAt, ownerRefOf, takenByMessage, type HandoverInput } from "./handover";
import type { ConversationMeta, MetaPatch, MetaStore } from "./meta";
import { actorOf, changesBetween, metaOfState, patched, stateEvent, stateOf, type ConversationState, type StatePatch } from "./state";
import type { Timers } from "./timers";

/** The sender of changes Carryover makes by itself (reopen, snooze end, idle return). */
export const SYSTEM: Sender = { role: "system", id: "carryover" };

export interface StateWriterDeps {
  meta: MetaStore;
  store: EventStore;
  timers: Timers;
  /** The tenant's handover.idleReturnMinutes (null = never). */
  idleReturnMinutes(): number | null;
  /** Called with every event written here, after it is committed (fan-out, lists, directory). */
  committed(outcome: AppendOutcome): void;
}

export class StateWriter {
  constructor(private readonly deps: StateWriterDeps) {}

  /**
   * Writes a new state as one conversation.updated event naming every changed
   * field; returns null when nothing changed, unless `always` (then the event
   * has empty `changes`). Meta and event are written in one synchronous step,
   * so they commit together.
   */
  write(next: ConversationState, sender: Sender, extra: Parameters<typeof stateEvent>[3], always = false): AppendOutcome | null {
    const before = stateOf(this.current());
    const changes = changesBetween(before, next);
    if (Object.keys(changes).length === 0 && !always) return null;
    const patch = metaOfState(next);
    if (changes.owner || changes.ownerAgent) patch.ownerSince = new Date().toISOString();
    this.touch(patch);
    const outcome = this.deps.store.append(stateEvent(next, changes, sender, extra));
    if (next.status === "snoozed" && next.snoozedUntil) this.deps.timers.set("snooze", Date.parse(next.snoozedUntil));
    else this.deps.timers.clear("snooze");
    this.rescheduleIdleReturn();
    this.deps.committed(outcome);
    return outcome;
  }

  /**
   * A business caller's change of status, snooze, assignee or labels (PATCH):
   * one conversation.updated event naming every changed field, or null when
   * nothing changes.
   * @throws ServiceError invalid_request for a snooze that ends in the past
   */
  applyPatch(meta: ConversationMeta, patch: StatePatch, access: Access): AppendOutcome | null {
    if (patch.snoozedUntil && Date.parse(patch.snoozedUntil) <= Date.now()) {
      throw new ServiceError("invalid_request", "snoozedUntil must be in the future", { errors: [{ path: "snoozedUntil", message: "in the past" }] });
    }
    return this.write(patched(stateOf(meta), patch), actorOf(access), {});
  }

  /**
   * Passes the thread between the bot and agents (API.md "Handover"); null
   * when nothing changes. The event's sender is the agent who hands over, or
   * the new owner (the bot's handover: system).
   * @throws ServiceError conflict for a stale `ifEpoch` or another agent's thread (see handedOver)
   */
  handOver(meta: ConversationMeta, input: HandoverInput, access: Access): AppendOutcome | null {
    const state = stateOf(meta);
    const next = handedOver(state, input, access);
    if (!next) return null;
    const sender = access.kind === "business" && access.agent ? actorOf(access) : handoverSender(next.owner, next.ownerAgent ?? undefined);
    return this.write(next, sender, {
      previousOwner: ownerRefOf(state),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
    });
  }

  /** Writes `patch` and bumps the version every directory row carries. */
  touch(patch: MetaPatch): ConversationMeta {
    return this.deps.meta.update({ ...patch, version: (this.current().version ?? 1) + 1, updatedAt: new Date().toISOString() });
  }

  /** The bookkeeping of a new message (who waits, the customer's name, the agent's last word). */
  messageWritten(access: Access, sender: Sender, at: string): void {
    const patch = messageBookkeeping(this.current(), access, sender, at);
    // A plain customer message (the thread already waits, the name is known) changes nothing the
    // row must hold at once: MetaStore keeps it in memory and derives it from the log after a wake.
    if (sender.role === "customer" && Object.keys(patch).length === 1) this.deps.meta.bumpForCustomerMessage(at);
    else this.touch(patch);
  }

  /**
   * What a committed message does to the state, given the state before it: a
   * customer reopens a resolved or snoozed thread; an agent takes the bot's.
   */
  afterMessage(before: ConversationState, sender: Sender): void {
    if (sender.role === "customer" && (before.status === "resolved" || before.status === "snoozed")) {
      this.write({ ...before, status: "open", snoozedUntil: null }, SYSTEM, { reason: "customer_message" });
    }
    const taken = takenByMessage(stateOf(this.current()), sender);
    if (taken) this.write(taken, sender, { reason: "agent_message", previousOwner: ownerRefOf(before) });
    this.rescheduleIdleReturn();
  }

  /** The "snooze" timer: the thread is open again (reason "snooze_ended"), unless the snooze moved. */
  endSnooze(): void {
    const state = stateOf(this.current());
    if (state.status !== "snoozed" || !state.snoozedUntil) return;
    if (Date.parse(state.snoozedUntil) > Date.now()) {
      this.deps.timers.set("snooze", Date.parse(state.snoozedUntil));
      return;
    }
    this.write({ ...state, status: "open", snoozedUntil: null }, SYSTEM, { reason: "snooze_ended" });
  }

  /**
   * The thread's messenger person moved to the thread `movedTo` (a channel
   * link): resolved, saying where (business only) — also when it already was
   * resolved (an event with empty `changes`), so the pointer is always there.
   */
  resolveMoved(movedTo: string): void {
    this.write({ ...stateOf(this.current()), status: "resolved", snoozedUntil: null }, SYSTEM, { reason: "channel_moved", metadata: { movedTo } }, true);
  }

  /** The "idle-return" timer: the owning agent stayed silent too long; the thread returns to the bot. */
  returnIdleThread(): void {
    const meta = this.current();
    const state = stateOf(meta);
    const at = idleReturnAt(meta, state, this.deps.idleReturnMinutes());
    if (at === null) return;
    if (at > Date.now()) {
      this.deps.timers.set("idle-return", at);
      return;
    }
    const next: ConversationState = { ...state, owner: "bot", ownerAgent: null, ownerEpoch: state.ownerEpoch + 1 };
    this.write(next, SYSTEM, { reason: "idle_timeout", previousOwner: ownerRefOf(state) });
  }

  /** Keeps the idle-return timer at the time idleReturnAt says, or clears it. */
  rescheduleIdleReturn(): void {
    const meta = this.current();
    const at = idleReturnAt(meta, stateOf(meta), this.deps.idleReturnMinutes());
    const current = this.deps.timers.at("idle-return");
    if (at === null) {
      if (current !== null) this.deps.timers.clear("idle-return");
    } else if (current !== at) this.deps.timers.set("idle-return", at);
  }

  private current(): ConversationMeta {
    const meta = this.deps.meta.get();
    if (!meta) throw new Error("conversation not initialised");
    return meta;
  }
}

/** What a new message changes in the meta: who waits for an answer, the customer's name, the agent's last word. */
function messageBookkeeping(meta: ConversationMeta, access: Access, sender: Sender, at: string): MetaPatch {
  if (sender.role === "customer") {
    const patch: MetaPatch = { lastCustomerAt: at };
    if (!meta.waitingSince) patch.waitingSince = at;
    if (access.kind === "customer" && access.name && access.name !== meta.customerName) patch.customerName = access.name;
    return patch;
  }
  return sender.role === "agent" ? { waitingSince: null, lastAgentAt: at } : { waitingSince: null };
}
