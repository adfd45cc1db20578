// Errors do not survive a Durable Object RPC boundary with their class and
// code intact, so DO methods return a Result and the Worker unwraps it.
import { ServiceError, type ErrorCode, type FieldError, type ProblemMembers } from "./errors";

export type Result<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: ErrorCode; detail: string; errors?: FieldError[]; retryAfter?: number; members?: ProblemMembers } };

/** Runs `fn` and turns a ServiceError it throws into a failed Result. */
export async function toResult<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ServiceError) {
      const error: Extract<Result<T>, { ok: false }>["error"] = { code: err.code, detail: err.message };
      if (err.errors) error.errors = err.errors;
      if (err.retryAfter !== undefined) error.retryAfter = err.retryAfter;
      if (err.members) error.members = err.members;
      return { ok: false, error };
    }
    throw err;
  }
}

/** The value of a Result, or its error thrown again as a ServiceError. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  const { code, detail, errors, retryAfter, members } = result.error;
  const extra: { errors?: FieldError[]; retryAfter?: number; members?: ProblemMembers } = {};
  if (errors) extra.errors = errors;
  if (retryAfter !== undefined) extra.retryAfter = retryAfter;
  if (members) extra.members = members;
  throw new ServiceError(code, detail, extra);
}
