// Opaque keyset cursors: base64url of a small JSON value. A cursor a client
// altered is a 400, never a wrong page.
import { ServiceError } from "../protocol/errors";

/** An opaque cursor for `value` (base64url JSON). */
export function encodeCursor(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor and checks it with `isValid`. @throws ServiceError invalid_request */
export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
    if (isValid(value)) return value;
  } catch {
    // fall through
  }
  throw new ServiceError("invalid_request", "cursor is not one this API returned", {
    errors: [{ path: "cursor", message: "invalid cursor" }],
  });
}
