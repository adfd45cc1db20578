// Short-lived signed URLs of attachments (GET /v1/attachments/{id}/url),
// cached until a minute before they expire.
import * as paths from "./api-paths";
import { CarryoverError } from "./errors";
import { isRecord } from "./http";
import type { Session } from "./session";

/** Signed URLs by attachment id, with their expiry (ms since epoch). */
export type UrlCache = Map<string, { url: string; expiresAt: number }>;

/** A URL is used from the cache only while it has this much life left, ms. */
const MARGIN_MS = 60_000;

/**
 * A signed URL of an attachment, for an image source or a download link:
 * from `cache` while it has a minute left, else fetched (and cached).
 * @throws CarryoverError invalid_response, or the API's error
 */
export async function attachmentUrl(session: Pick<Session, "request">, cache: UrlCache, attachmentId: string): Promise<string> {
  const cached = cache.get(attachmentId);
  if (cached && cached.expiresAt - Date.now() > MARGIN_MS) return cached.url;
  const answer = await session.request("GET", paths.attachmentUrl(attachmentId));
  const body = answer.body;
  if (!isRecord(body) || typeof body.url !== "string") throw new CarryoverError("invalid_response", 0, "no attachment URL in the answer");
  // No expiry given: good for the margin only, so it is fetched again next time.
  const expiresAt = typeof body.expiresAt === "string" ? Date.parse(body.expiresAt) : Date.now() + MARGIN_MS;
  cache.set(attachmentId, { url: body.url, expiresAt });
  return body.url;
}
