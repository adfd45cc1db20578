// Who may send as whom — the one rule, asked by the HTTP route before it
// spends a rate-limit token, by the live socket's `send` frame, and by the
// Conversation DO on every append (the last word):
// - a customer session sends as its own user and device; it may not name a sender;
// - an agent session sends as its agent; it may not name a sender;
// - an API key names the bot or agent it sends as (`sender` required); a
//   bot-role key only ever a bot: the standby rule (API.md "Handover") holds
//   a bot to it, and a bot must not read to customers as a human agent.
// Notes follow the same rules; an API key's note without a sender is written
// by the key itself. Typing frames follow them too, quietly (typist).
import type { Access } from "../protocol/access";
import { ServiceError } from "../protocol/errors";
import type { Sender } from "../protocol/event";

/** A sender an API key may name (BusinessSender in src/protocol/event.ts). */
export interface RequestedSender {
  role: "bot" | "agent";
  id: string;
  name?: string;
}

/**
 * The sender a session always writes as: a customer session its user and
 * device (with the user's name when known), an agent session its agent.
 * Null for an API key, which names the sender it writes as.
 */
function sessionSender(access: Access): Sender | null {
  if (access.kind === "customer") {
    const sender: Sender = { role: "customer", id: access.userId, deviceId: access.deviceId };
    if (access.name) sender.name = access.name;
    return sender;
  }
  return access.agent ? { role: "agent", id: access.agent.id, name: access.agent.name } : null;
}

/** An API key writing without naming a sender: the key itself, as a bot (bot-role key) or an agent. */
function keyItself(access: Access): Sender {
  return { role: access.kind === "business" && access.role === "bot" ? "bot" : "agent", id: access.kind === "business" ? access.keyId : "" };
}

/** False when a bot-role API key names anything but a bot (the one sender rule for keys; see the file comment). */
function keyMayName(access: Access, requested: { role: "bot" | "agent" }): boolean {
  return !(access.kind === "business" && access.role === "bot" && requested.role !== "bot");
}

function refused(detail: string, message: string): ServiceError {
  return new ServiceError("invalid_request", detail, { errors: [{ path: "sender", message }] });
}

/**
 * Throws invalid_request (path `sender`) when a session names a sender (it
 * always writes as itself), and forbidden when a bot-role API key names
 * anything but a bot.
 */
function refuseChosenSender(access: Access, requested: RequestedSender | undefined, verb: "sends" | "writes"): void {
  if (!requested) return;
  if (access.kind === "customer") throw refused("customers cannot choose a sender", "not allowed with a session token");
  if (access.agent) throw refused(`an agent session always ${verb} as its agent`, "not allowed with an agent session");
  if (!keyMayName(access, requested)) {
    throw new ServiceError("forbidden", `a bot-role API key ${verb} as a bot (sender.role "bot"); an agent-role key or an agent session writes as an agent`);
  }
}

/**
 * The sender of a message `access` writes, naming `requested` (a request's or
 * frame's `sender`). Throws ServiceError invalid_request (path `sender`) when
 * a customer or agent session names a sender, or an API key names none;
 * forbidden when a bot-role key names a non-bot.
 */
export function messageSender(access: Access, requested: RequestedSender | undefined): Sender {
  refuseChosenSender(access, requested, "sends");
  const own = sessionSender(access);
  if (own) return own;
  if (!requested) throw refused("sender is required with an API key", "required");
  return { ...requested };
}

/**
 * The author of an internal note by business `access`, naming `requested`:
 * an agent session is its agent (naming a sender throws invalid_request), an
 * API key the sender it names or else itself (`bot` for bot keys, `agent`
 * otherwise, id = the key's id).
 */
export function noteAuthor(access: Access, requested: RequestedSender | undefined): Sender {
  refuseChosenSender(access, requested, "writes");
  return sessionSender(access) ?? requested ?? keyItself(access);
}

/**
 * Who a `typing` frame of `access` shows as: a session as itself (a named
 * sender is ignored), an API key as the sender it names when it may name
 * it, else as itself. Never throws: typing is a hint, so a sender the key
 * may not name is replaced quietly, not refused.
 */
export function typist(access: Access, named: RequestedSender | undefined): Sender {
  return sessionSender(access) ?? (named && keyMayName(access, named) ? { ...named } : keyItself(access));
}
