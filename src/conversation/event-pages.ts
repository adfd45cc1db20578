// A page of the event log as the JSON text `GET /v1/conversations/:id/events`
// answers, built from the stored rows without parsing them: each row's body
// is already the event's JSON minus seq, id and at. Only an event a customer
// may read less of (a conversation.updated with business-only parts) is
// parsed and re-encoded. This replaces, per event, a JSON.parse in the DO, a
// structured clone across the RPC and a JSON.stringify in the Worker.
import type { Access } from "../protocol/access";
import type { Event } from "../protocol/event";
import { eventForCustomer } from "./state";

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  type: string;
  at: string;
  body: string;
}

/** Which page: `limit` events after `after` (ascending), or the `limit` just before `before`. */
export interface PageQuery {
  after?: number;
  before?: number;
  limit: number;
}

/**
 * One event as JSON: `{"seq","id","at",…body}`, the member order the API has
 * always answered with (`{ seq, id, at, ...JSON.parse(body) }` stringified).
 */
function eventJson(row: Row, access: Access): string {
  if (access.kind === "customer" && row.type === "conversation.updated") {
    const event = { seq: row.seq, id: row.id, at: row.at, ...(JSON.parse(row.body) as object) } as Event;
    return JSON.stringify(eventForCustomer(event));
  }
  // The body is a JSON object with at least type and sender: never "{}".
  return `{"seq":${row.seq},"id":${JSON.stringify(row.id)},"at":${JSON.stringify(row.at)},${row.body.slice(1)}`;
}

/**
 * The page as `{ events, hasMore, cursor }` JSON text for `access`. The
 * cursor is the last event's seq (after) or the first's (before); past the
 * end of the log it is the log's end, never a seq that does not exist.
 */
export function eventsPageJson(sql: SqlStorage, access: Access, query: PageQuery, lastSeq: () => number): string {
  let rows: Row[];
  let cursor: number;
  if (query.before !== undefined) {
    rows = sql
      .exec<Row>("SELECT seq, id, type, at, body FROM events WHERE seq < ? ORDER BY seq DESC LIMIT ?", query.before, query.limit + 1)
      .toArray();
    const hasMore = rows.length > query.limit;
    rows = rows.slice(0, query.limit).reverse();
    cursor = rows[0]?.seq ?? query.before;
    return pageJson(rows, access, hasMore, cursor);
  }
  const after = query.after ?? 0;
  rows = sql.exec<Row>("SELECT seq, id, type, at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, query.limit + 1).toArray();
  const hasMore = rows.length > query.limit;
  rows = rows.slice(0, query.limit);
  cursor = rows.at(-1)?.seq ?? Math.min(after, lastSeq());
  return pageJson(rows, access, hasMore, cursor);
}

function pageJson(rows: Row[], access: Access, hasMore: boolean, cursor: number): string {
  return `{"events":[${rows.map((row) => eventJson(row, access)).join(",")}],"hasMore":${hasMore},"cursor":${cursor}}`;
}
