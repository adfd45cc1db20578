// A page of the event log as the JSON text `GET /v1/conversations/:id/events`
// answers, built by SQLite in one statement: each row's body is already the
// event's JSON minus seq, id and at, so SQLite writes `{"seq","id","at",…body}`
// per row and joins the page into one string. Reading 500 rows into JS
// objects and joining them there cost about half of a page's CPU (bench/
// BENCHMARKS.md, Follow-up perf-read). Only an event a customer may read less
// of (a conversation.updated with business-only parts) is parsed and
// re-encoded in JS: SQLite wraps those in U+0001, which JSON text never holds
// unescaped.
import type { Access } from "../protocol/access";
import type { Event } from "../protocol/event";
import { eventForCustomer } from "./state";

interface PageRow extends Record<string, SqlStorageValue> {
  text: string | null;
  lo: number | null;
  hi: number | null;
}

/** Which page: `limit` events after `after` (ascending), or the `limit` just before `before`. */
export interface PageQuery {
  after?: number | undefined;
  before?: number | undefined;
  limit: number;
}

/**
 * Bytes of event JSON per page, about: a page stops at the event that passes
 * it (the first always comes; sizes are read from the rows' headers,
 * octet_length, and the strings built only for the events that go), so the page SQLite assembles stays under the
 * 2 MB a string may have (Cloudflare's Durable Object SQL limits), whatever
 * `limit` asks; `hasMore` and the cursor then lead on.
 */
export const PAGE_BYTES = 1_000_000;

/**
 * The page as `{ events, hasMore, cursor }` JSON text for `access`, each
 * event `{"seq","id","at",…body}` (the member order the API has always
 * answered with). The cursor is the last event's seq (after) or the first's
 * (before); past the end of the log it is the log's end, never a seq that
 * does not exist. `hasMore` reads the log as gap-free from seq 1 (API.md).
 */
export function eventsPageJson(sql: SqlStorage, access: Access, query: PageQuery, lastSeq: () => number): string {
  const before = query.before !== undefined;
  const from = query.before ?? query.after ?? 0;
  // The page's rows, ascending, each as `{"seq","id","at",…body}`; a customer's conversation.updated wrapped in U+0001.
  const page = sql
    .exec<PageRow>(
      `SELECT group_concat(iif(?1 AND type='conversation.updated',char(1)||e||char(1),e),',' ORDER BY seq) text,min(seq) lo,max(seq) hi FROM
(SELECT seq,type,'{"seq":'||seq||',"id":'||json_quote(id)||',"at":'||json_quote(at)||','||substr(body,2) e FROM events WHERE ${before ? "seq<?2 AND seq>=" : "seq>?2 AND seq<="}
(SELECT ${before ? "min" : "max"}(seq) FROM (SELECT seq,n,sum(n) OVER (ORDER BY seq${before ? " DESC" : ""}) run FROM
(SELECT seq,octet_length(body)+80 n FROM events WHERE ${before ? "seq<?2 ORDER BY seq DESC" : "seq>?2 ORDER BY seq"} LIMIT ?3)) WHERE run-n<?4)
ORDER BY seq${before ? " DESC" : ""} LIMIT ?3)`,
      access.kind === "customer" ? 1 : 0,
      from,
      query.limit,
      PAGE_BYTES,
    )
    .one();
  const text = (page.text ?? "").replace(/\x01([^\x01]*)\x01/g, (_, json: string) => JSON.stringify(eventForCustomer(JSON.parse(json) as Event)));
  const hasMore = before ? (page.lo ?? 1) > 1 : (page.hi ?? Infinity) < lastSeq();
  const cursor = (before ? page.lo : page.hi) ?? (before ? from : Math.min(from, lastSeq()));
  return `{"events":[${text}],"hasMore":${hasMore},"cursor":${cursor}}`;
}
