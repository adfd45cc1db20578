// Handover between the bot and human agents (API.md "Handover"): who may
// take a thread, the epoch that makes a take safe against a concurrent one,
// the bot's standby, and idle return to the bot.
import type { Access } from "../protocol/access";
import { ServiceError, type ProblemMembers } from "../protocol/errors";
import type { HandoverMetadata, Owner, OwnerRef, Sender } from "../protocol/event";
import type { ConversationMeta } from "./meta";
import type { ConversationState } from "./state";

/** POST /v1/conversations/:id/handover, validated at the edge. */
export interface HandoverInput {
  owner: Owner;
  agentId?: string;
  reason?: string;
  /** ≤ 1 KiB of JSON for the receiving side (business views only). */
  metadata?: HandoverMetadata;
  /** The ownerEpoch the caller saw; a different current epoch is a 409. */
  ifEpoch?: number;
}

/** The default of the tenant setting handover.idleReturnMinutes. */
export const DEFAULT_IDLE_RETURN_MINUTES = 30;

export function ownerRefOf(state: ConversationState): OwnerRef {
  return state.owner === "agent" && state.ownerAgent ? { owner: "agent", agentId: state.ownerAgent } : { owner: state.owner };
}

/** The problem members of a handover conflict: the current owner and epoch. */
export function ownerMembers(state: ConversationState): ProblemMembers {
  const owner: { [key: string]: string } = { owner: state.owner };
  if (state.owner === "agent" && state.ownerAgent) owner.agentId = state.ownerAgent;
  return { owner, ownerEpoch: state.ownerEpoch };
}

/**
 * The state after a handover, or null when nothing changes. Throws 409
 * (with `owner` and `ownerEpoch`) on a stale `ifEpoch`, and, without an
 * `ifEpoch`, when a thread another agent owns would go to an agent, or back
 * to the bot by an agent session that does not own it: of two concurrent
 * takes exactly one wins, and nobody moves a colleague's thread by accident.
 */
export function handedOver(state: ConversationState, input: HandoverInput, caller: Access): ConversationState | null {
  if (input.ifEpoch !== undefined && input.ifEpoch !== state.ownerEpoch) {
    throw new ServiceError("conflict", `the owner changed: ownerEpoch is ${state.ownerEpoch}, not ${input.ifEpoch}`, {
      members: ownerMembers(state),
    });
  }
  const agent = input.owner === "agent" ? (input.agentId ?? (caller.kind === "business" ? caller.agent?.id : undefined) ?? null) : null;
  if (state.owner === input.owner && state.ownerAgent === agent) return null;
  // "Some agent" (an API key naming nobody) is satisfied by whichever agent owns the thread.
  if (input.owner === "agent" && agent === null && state.owner === "agent") return null;
  // Moving a thread another agent owns is deliberate: to another agent (any caller), or back to the
  // bot by an agent who is not its owner (API keys speak for the business's own systems).
  const colleague = caller.kind === "business" && caller.agent !== undefined && caller.agent.id !== state.ownerAgent;
  if (state.owner === "agent" && input.ifEpoch === undefined && (input.owner === "agent" || colleague)) {
    const move = input.owner === "agent" ? "take it over" : "hand it back to the bot";
    throw new ServiceError("conflict", `agent ${state.ownerAgent ?? "(unnamed)"} owns this thread; send ifEpoch to ${move}`, {
      members: ownerMembers(state),
    });
  }
  return { ...state, owner: input.owner, ownerAgent: agent, ownerEpoch: state.ownerEpoch + 1 };
}

/** A bot is on standby while an agent owns the thread: its messages are refused with 409 naming the owner. */
export function assertBotMaySend(state: ConversationState, sender: Sender): void {
  if (sender.role === "bot" && state.owner === "agent") {
    throw new ServiceError("conflict", `an agent owns this thread; the bot is on standby`, { members: ownerMembers(state) });
  }
}

/** An agent's message while the bot owns the thread takes it for that agent (reason "agent_message"). */
export function takenByMessage(state: ConversationState, sender: Sender): ConversationState | null {
  if (sender.role !== "agent" || state.owner !== "bot") return null;
  return { ...state, owner: "agent", ownerAgent: sender.id, ownerEpoch: state.ownerEpoch + 1 };
}

/**
 * When the thread returns to the bot if its agent stays silent: `minutes`
 * after the customer's last message (or after the take, if later), while
 * the agent has not written since. Null: no return is due (bot owns, nobody
 * waits, or the setting is null).
 */
export function idleReturnAt(meta: ConversationMeta, state: ConversationState, minutes: number | null): number | null {
  if (minutes === null || state.owner !== "agent" || !meta.lastCustomerAt) return null;
  const customer = Date.parse(meta.lastCustomerAt);
  if (meta.lastAgentAt && Date.parse(meta.lastAgentAt) >= customer) return null;
  const from = Math.max(customer, meta.ownerSince ? Date.parse(meta.ownerSince) : 0);
  return from + minutes * 60_000;
}
