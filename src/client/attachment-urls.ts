// Short-lived signed URLs of attachments (GET /v1/attachments/{id}/url),
// cached until a minute before they expire.
import { paths } from "./api-paths";
import { CarryoverError } from "./errors";
import { isRecord } from "./http";
import type { Session } from "./session";

/** A URL is used from the cache only while it has this much life left, ms. */
const MARGIN_MS = 60_000;

export class AttachmentUrls {
  private readonly cache = new Map<string, { url: string; expiresAt: number }>();

  constructor(private readonly session: Pick<Session, "request">) {}

  /** A signed URL for an image source or a download link. @throws CarryoverError (invalid_response, or the API's error) */
  async get(attachmentId: string): Promise<string> {
    const cached = this.cache.get(attachmentId);
    if (cached && cached.expiresAt - Date.now() > MARGIN_MS) return cached.url;
    const answer = await this.session.request("GET", paths.attachmentUrl(attachmentId));
    const body = answer.body;
    if (!isRecord(body) || typeof body.url !== "string") throw new CarryoverError("invalid_response", 0, "no attachment URL in the answer");
    // No expiry given: good for the margin only, so it is fetched again next time.
    const expiresAt = typeof body.expiresAt === "string" ? Date.parse(body.expiresAt) : Date.now() + MARGIN_MS;
    this.cache.set(attachmentId, { url: body.url, expiresAt });
    return body.url;
  }
}
