// A device's stored session (under `carryover:<tenant>:session`) and the
// server's session answer, read defensively: storage is shared with other
// tabs and versions of this SDK, and the answer comes over the network.
import type { SessionAnswer } from "../protocol/session";
import { CarryoverError } from "./errors";
import { isRecord } from "./http";

/** The person a session belongs to. */
export interface CarryoverUser {
  id: string;
  name: string | null;
  guest: boolean;
}

/** What is kept in storage under `carryover:<tenant>:session`. */
export interface StoredSession {
  deviceId: string | null;
  refreshToken: string | null;
  guestToken: string | null;
  userId: string | null;
  user: CarryoverUser | null;
  sessionToken: string | null;
  /** When the session token expires, in this device's clock (ms). */
  expiresAt: number | null;
  /** When to get a new one: a minute early, or at three quarters of a shorter lifetime. */
  refreshAt: number | null;
}

/** No session: nothing stored. */
export const EMPTY: StoredSession = {
  deviceId: null,
  refreshToken: null,
  guestToken: null,
  userId: null,
  user: null,
  sessionToken: null,
  expiresAt: null,
  refreshAt: null,
};

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function userOf(value: unknown): CarryoverUser | null {
  if (!isRecord(value) || typeof value.id !== "string") return null;
  return { id: value.id, name: typeof value.name === "string" ? value.name : null, guest: value.guest === true };
}

/** Reads what storage holds (anything unreadable counts as absent). */
export function parseStored(value: unknown): StoredSession {
  if (!isRecord(value)) return { ...EMPTY };
  const user = userOf(value.user);
  return {
    deviceId: str(value.deviceId),
    refreshToken: str(value.refreshToken),
    guestToken: str(value.guestToken),
    userId: str(value.userId) ?? user?.id ?? null,
    user,
    sessionToken: str(value.sessionToken),
    expiresAt: typeof value.expiresAt === "number" ? value.expiresAt : null,
    refreshAt: typeof value.refreshAt === "number" ? value.refreshAt : null,
  };
}

/** Reads the answer of POST /v1/sessions. @throws CarryoverError invalid_response when it lacks a member */
export function parseAnswer(body: unknown): SessionAnswer {
  const user = isRecord(body) ? userOf(body.user) : null;
  if (
    !isRecord(body) ||
    !user ||
    typeof body.sessionToken !== "string" ||
    typeof body.expiresAt !== "string" ||
    typeof body.refreshToken !== "string" ||
    typeof body.deviceId !== "string"
  ) {
    throw new CarryoverError("invalid_response", 0, "the server sent an unexpected session answer");
  }
  const answer: SessionAnswer = {
    sessionToken: body.sessionToken,
    expiresAt: body.expiresAt,
    refreshToken: body.refreshToken,
    deviceId: body.deviceId,
    user,
  };
  if (typeof body.guestToken === "string") answer.guestToken = body.guestToken;
  if (typeof body.conversationId === "string") answer.conversationId = body.conversationId;
  return answer;
}

/** Whether two announcements name the same person with the same name and kind. */
export function sameUser(a: CarryoverUser | null, b: CarryoverUser | null): boolean {
  return a === b || (a !== null && b !== null && a.id === b.id && a.guest === b.guest && a.name === b.name);
}

/**
 * Runs a credential change under a lock shared by every tab of this origin
 * (Web Locks, where there are any; named after the session's storage key), so
 * two tabs never spend the same refresh token — the server would take the
 * second use for theft and revoke the device.
 */
export function withTabsLock<T>(storageKey: string, run: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks || typeof locks.request !== "function") return run();
  return locks.request(`${storageKey}:lock`, run) as Promise<T>;
}
