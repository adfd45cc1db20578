// Opaque keyset cursors: base64url of a small JSON value. A cursor a client
// altered is a 400, never a wrong page.
import { fromBase64, toBase64Url } from "../crypto/encoding";
import { ServiceError } from "../protocol/errors";

/** An opaque cursor for `value` (base64url JSON). */
export function encodeCursor(value: unknown): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

/** Decodes a cursor and checks it with `isValid`. @throws ServiceError invalid_request */
export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(fromBase64(cursor.replace(/-/g, "+").replace(/_/g, "/"))));
    if (isValid(value)) return value;
  } catch {
    // fall through
  }
  throw new ServiceError("invalid_request", "cursor is not one this API returned", {
    errors: [{ path: "cursor", message: "invalid cursor" }],
  });
}
