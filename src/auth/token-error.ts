// The one mapping from a token verification failure to the API's error codes,
// shared by every token kind beside it (identity, session, handoff, agent).
import { errors } from "jose";
import { ServiceError } from "../protocol/errors";

/**
 * Turns jose's failures into the API's codes: an expired token is
 * `token_expired`, any other failure `invalid_token`; a ServiceError passes
 * through unchanged. `what` names the token kind in the message
 * (e.g. "session token").
 */
export function tokenError(err: unknown, what: string): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof errors.JWTExpired) return new ServiceError("token_expired", `${what} has expired`);
  if (err instanceof errors.JOSEError) {
    return new ServiceError("invalid_token", `${what} is invalid (${err.code})`);
  }
  return new ServiceError("invalid_token", `${what} is invalid`);
}
