// The postback payload that opts a customer out of a broadcast topic (API.md:
// `carryover:unsubscribe:<topic>`, the "Stop" quick reply). Zod-free: the
// widget uses it too.

/** What a "Stop" postback payload starts with; the topic id follows. */
export const UNSUBSCRIBE_PREFIX = "carryover:unsubscribe:";

/** A topic id: 1..64 of [a-z0-9_-]. */
export const TOPIC_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** The topic a postback payload opts out of, or null for any other payload. */
export function unsubscribeTopicOf(payload: string): string | null {
  if (!payload.startsWith(UNSUBSCRIBE_PREFIX)) return null;
  const topic = payload.slice(UNSUBSCRIBE_PREFIX.length);
  return TOPIC_PATTERN.test(topic) ? topic : null;
}
