// Broadcast topics a customer can opt in to, as the SDK returns them
// (GET/PUT/DELETE /v1/me/subscriptions).
import { CarryoverError } from "./errors";
import { isRecord } from "./http";

/** One topic of the business, and whether this person is subscribed to it. */
export interface TopicSubscription {
  topic: string;
  name: string;
  description: string | null;
  subscribed: boolean;
}

/** Reads the server's subscriptions answer. @throws CarryoverError invalid_response */
export function topicsOf(body: unknown): TopicSubscription[] {
  const topics = isRecord(body) ? body.topics : null;
  if (!Array.isArray(topics)) throw new CarryoverError("invalid_response", 0, "no topics in the subscriptions answer");
  return topics.filter(isRecord).map((t) => ({
    topic: String(t.topic),
    name: typeof t.name === "string" ? t.name : String(t.topic),
    description: typeof t.description === "string" ? t.description : null,
    subscribed: t.subscribed === true,
  }));
}
