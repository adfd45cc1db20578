// The SDK's one error class. `code` is the API's problem+json code, or one of
// the SDK's own: "network" (no answer), "signed_out" (no session), "closed".
import { ERROR_STATUS } from "../protocol/errors";

export class CarryoverError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds to wait, from a 429's Retry-After. */
  readonly retryAfter: number | undefined;
  readonly errors: { path: string; message: string }[] | undefined;

  constructor(
    code: string,
    status: number,
    message?: string,
    extra?: { retryAfter?: number; errors?: { path: string; message: string }[]; cause?: unknown },
  ) {
    super(message ?? code, extra?.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "CarryoverError";
    this.code = code;
    this.status = status;
    this.retryAfter = extra?.retryAfter;
    this.errors = extra?.errors;
  }
}

/** Worth trying again later with the same request (network, 5xx, 408, 429). */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof CarryoverError)) return false;
  return err.code === "network" || err.status === 408 || err.status === 429 || err.status >= 500;
}

/** The session token was refused and a refresh may help. */
export function isRefreshable(err: unknown): boolean {
  return err instanceof CarryoverError && err.status === 401 && (err.code === "token_expired" || err.code === "invalid_token");
}

/** The session was revoked (signed out, merged, reused refresh token). */
export function isRevoked(err: unknown): boolean {
  return err instanceof CarryoverError && err.status === 401 && err.code === "token_revoked";
}

export function isSignedOut(err: unknown): boolean {
  return err instanceof CarryoverError && (err.code === "token_revoked" || err.code === "signed_out");
}

/**
 * The server refused a send for good (a 4xx other than 401, or an error frame):
 * the message is kept as failed. Anything else — network, 5xx, 408, 429, an
 * auth failure, a non-API error — leaves it in the outbox for a later attempt.
 */
export function isRefusal(err: unknown): err is CarryoverError {
  return err instanceof CarryoverError && !isTransient(err) && !isSignedOut(err) && err.status !== 401;
}

/** Status of an API error code, for errors that arrive as WebSocket frames. */
export const CODE_STATUS: Readonly<Record<string, number>> = ERROR_STATUS;
