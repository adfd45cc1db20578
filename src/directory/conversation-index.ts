// The conversation directory in D1 (API.md "Directory and search"): each
// Conversation DO upserts its row (versioned: a late or repeated write never
// moves a row back) with the text of its new messages for search; agents
// list rows with filters, sorts and a keyset cursor that reads the directory
// as of the run's first page, so paging while rows change never repeats or
// skips a row. Every query is bound to one tenant.
//
// Snapshots by epoch: every row carries `rev`, its tenant's epoch when it was
// written; a paging run's first page starts a new epoch of its tenant and
// reads rows with rev up to the one before. A row written in the current epoch
// can be seen by no run, so replacing it again writes no history: a busy thread
// pushing every second pays one history row per paging run started, not one per
// push (bench/BENCHMARKS.md, "Follow-up (branch perf-spread)").
import { fromBase64Url, toBase64Url } from "../crypto/encoding";
import { ServiceError } from "../protocol/errors";
import type { ConversationStatus, CustomerSummary, Owner } from "../protocol/event";
import type { DirectoryPage, DirectoryRow, LastEventPreview } from "../protocol/directory";
import { foldedForSearch, sliceWhole } from "../protocol/text";

/** How long a cursor may be used; history is kept a little longer. */
export const CURSOR_TTL_MS = 15 * 60_000;
const HISTORY_KEEP_MS = 20 * 60_000;

/** What a Conversation DO writes: its row without `match`, plus the tenant. */
export interface DirectoryEntry extends Omit<DirectoryRow, "match"> {
  tenant: string;
}

/** Text of new messages to index for `q`, by seq. */
export interface IndexedText {
  seq: number;
  text: string;
}

/**
 * Upserts `entry` and indexes `texts`, in one D1 batch (a transaction).
 * Ignored when the stored row has an equal or higher version; texts at or
 * below the row's indexed seq are skipped, so a repeated push is harmless.
 * The replaced row's sortable part goes to directory_history for the paging
 * runs that may read it (see upsertDirectories).
 */
export async function upsertDirectory(db: D1Database, entry: DirectoryEntry, texts: IndexedText[], now = new Date()): Promise<void> {
  await upsertDirectories(db, [{ entry, texts }], now);
}

/** One conversation's directory write: its row and the text of its new messages. */
export interface DirectoryWrite {
  entry: DirectoryEntry;
  texts: IndexedText[];
}

/** How much one write weighs in a batch: its row and each text (callers cap a batch by this). */
export function weightOf(write: DirectoryWrite): number {
  return write.texts.length + 1;
}

/**
 * Characters of JSON per bound value (message texts, directory rows): a
 * value stays far under D1's 2 MB per string (up to 3 bytes a character,
 * escaped). A batch binds its rows and texts in as many values as it needs.
 */
const CHARS_PER_VALUE = 200_000;

/**
 * The current epoch of the tenant named by the SQL expression `tenant`: its
 * directory_epoch row, or the frozen deployment-wide clock for a tenant whose
 * directory no paging run has read since migration 0009.
 */
function epochOf(tenant: string): string {
  return `COALESCE((SELECT rev FROM directory_epoch WHERE tenant = ${tenant}), (SELECT rev FROM directory_clock WHERE id = 1))`;
}

/**
 * Starts a paging run of `tenant`: moves the tenant's epoch on and returns
 * the one before, which the run reads at (rows with rev ≤ it, as they were).
 * One D1 write per run, in place of one history row per directory push.
 */
async function startRun(db: D1Database, tenant: string): Promise<number> {
  const row = await db
    .prepare(
      `INSERT INTO directory_epoch (tenant, rev) VALUES (?, (SELECT rev FROM directory_clock WHERE id = 1) + 1)
       ON CONFLICT (tenant) DO UPDATE SET rev = rev + 1 RETURNING rev - 1 AS w`,
    )
    .bind(tenant)
    .first<{ w: number }>();
  if (!row) throw new Error("directory epoch not returned");
  return row.w;
}

/**
 * Several conversations' writes (each as upsertDirectory) in ONE D1 batch, so
 * an InboxFeed shard pays one transaction for all its threads that changed
 * within a flush interval. All or nothing: on failure none is written.
 * However many rows and texts, the batch is a few statements: the rows and
 * texts go as one JSON value each, read with json_each. Rows are stamped with
 * their tenant's current epoch (one transaction, so a paging run sees all of
 * the batch or none); a replaced row goes to the history only if it was
 * written before that epoch began (see the file comment). At most one write
 * per conversation.
 */
export async function upsertDirectories(db: D1Database, writes: readonly DirectoryWrite[], now = new Date()): Promise<void> {
  if (writes.length === 0) return;
  // Many conversations' rows (up to a few KB each) in values of at most CHARS_PER_VALUE.
  const rowValues = chunked(
    writes.map((w) => JSON.stringify(storedOf(w))),
    (row) => row.length,
  ).map((rows) => `[${rows.join(",")}]`);
  const statements: D1PreparedStatement[] = [
    // The row each write replaces (a higher version) goes to the history, for paging runs under way —
    // only if one may see it: written in an epoch before the current one.
    ...rowValues.map((rows) =>
      db
        .prepare(
        `INSERT OR IGNORE INTO directory_history (tenant, id, rev, replaced_rev, replaced_at, status, owner, assignee, labels,
           customer_id, customer_name, waiting_since, created_at, updated_at)
         SELECT d.tenant, d.id, d.rev, ${epochOf("d.tenant")}, ?, d.status, d.owner, d.assignee, d.labels, d.customer_id,
           d.customer_name, d.waiting_since, d.created_at, d.updated_at
         FROM json_each(?) AS j JOIN directory AS d ON d.tenant = j.value ->> 'tenant' AND d.id = j.value ->> 'id'
         WHERE d.version < j.value ->> 'version' AND d.rev < ${epochOf("d.tenant")}`,
        )
        .bind(now.toISOString(), rows),
    ),
    // Texts above the stored row's indexed seq only: a repeated push indexes nothing twice (before the upsert moves it).
    ...chunked(
      writes.flatMap(({ entry, texts }) => texts.map((t): [string, string, number, string] => [entry.tenant, entry.id, t.seq, t.text])),
      (t) => t[3].length,
    ).map((texts) =>
      db
        .prepare(
          `INSERT INTO directory_search (tenant, conversation_id, seq, text)
           SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j
           WHERE j.value ->> 2 > COALESCE((SELECT indexed_seq FROM directory WHERE tenant = j.value ->> 0 AND id = j.value ->> 1), 0)`,
        )
        .bind(JSON.stringify(texts)),
    ),
    ...rowValues.map((rows) =>
      db
        .prepare(
        `INSERT INTO directory (tenant, id, status, owner, owner_agent, assignee, labels, customer_id, customer_name, customer,
           last_event, last_seq, waiting_since, created_at, updated_at, version, rev, indexed_seq)
         SELECT r ->> 'tenant', r ->> 'id', r ->> 'status', r ->> 'owner', r ->> 'ownerAgent', r ->> 'assignee', r ->> 'labels',
           r ->> 'customerId', r ->> 'customerName', r ->> 'customer', r ->> 'lastEvent', r ->> 'lastSeq', r ->> 'waitingSince',
           r ->> 'createdAt', r ->> 'updatedAt', r ->> 'version', ${epochOf("r ->> 'tenant'")}, r ->> 'indexedSeq'
         FROM (SELECT value AS r FROM json_each(?)) WHERE true
         ON CONFLICT (tenant, id) DO UPDATE SET status = excluded.status, owner = excluded.owner, owner_agent = excluded.owner_agent,
           assignee = excluded.assignee, labels = excluded.labels, customer_id = excluded.customer_id,
           customer_name = excluded.customer_name, customer = excluded.customer, last_event = excluded.last_event,
           last_seq = excluded.last_seq, waiting_since = excluded.waiting_since, updated_at = excluded.updated_at,
           version = excluded.version, rev = excluded.rev, indexed_seq = MAX(directory.indexed_seq, excluded.indexed_seq)
         WHERE excluded.version > directory.version`,
        )
        .bind(rows),
    ),
  ];
  // Old history is dropped now and then, by whichever writer comes along.
  if (Math.random() < 0.02) {
    statements.push(db.prepare("DELETE FROM directory_history WHERE replaced_at < ?").bind(new Date(now.getTime() - HISTORY_KEEP_MS).toISOString()));
  }
  await db.batch(statements);
}

/** A write's row as the upsert reads it from JSON: columns by name, JSON columns as text. */
function storedOf({ entry, texts }: DirectoryWrite): Record<string, string | number | null> {
  return {
    tenant: entry.tenant,
    id: entry.id,
    status: entry.status,
    owner: entry.owner,
    ownerAgent: entry.ownerAgent,
    assignee: entry.assignee,
    labels: JSON.stringify(entry.labels),
    customerId: entry.customer.id,
    // Only searched (the row shows `customer`), and folded for it: SQLite's LIKE folds ASCII only.
    customerName: entry.customer.name != null ? foldedForSearch(entry.customer.name) : null,
    customer: JSON.stringify(entry.customer),
    lastEvent: entry.lastEvent ? JSON.stringify(entry.lastEvent) : null,
    lastSeq: entry.lastSeq,
    waitingSince: entry.waitingSince,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    version: entry.version,
    indexedSeq: texts.reduce((max, t) => Math.max(max, t.seq), 0),
  };
}

/** `items` in runs whose `chars` add up to at most CHARS_PER_VALUE (at least one item each), in order. */
function chunked<T>(items: readonly T[], chars: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let total = 0;
  for (const item of items) {
    if (chunk.length > 0 && total + chars(item) > CHARS_PER_VALUE) {
      chunks.push(chunk);
      chunk = [];
      total = 0;
    }
    chunk.push(item);
    total += chars(item);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The stored row of one conversation (tests, and the live feed's first frame). */
export async function directoryRow(db: D1Database, tenant: string, id: string): Promise<DirectoryRow | null> {
  const row = await db.prepare("SELECT * FROM directory WHERE tenant = ? AND id = ?").bind(tenant, id).first<StoredRow>();
  return row ? rowOf(row) : null;
}

export type DirectorySort = "updated" | "waiting" | "created";

/** GET /v1/conversations, validated; `assignee` already resolved ("me" → the agent's id). */
export interface DirectoryQuery {
  status?: ConversationStatus;
  assignee?: { none: true } | { id: string };
  owner?: Owner;
  label?: string;
  q?: string;
  sort: DirectorySort;
  cursor?: string;
  limit: number;
  counts: boolean;
  /** The caller's agent id, for counts.mine (null for API keys). */
  me: string | null;
}

interface StoredRow {
  id: string;
  status: string;
  owner: string;
  owner_agent: string | null;
  assignee: string | null;
  labels: string;
  customer: string;
  last_event: string | null;
  last_seq: number;
  waiting_since: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

function rowOf(row: StoredRow): DirectoryRow {
  return {
    id: row.id,
    status: row.status as ConversationStatus,
    owner: row.owner as Owner,
    ownerAgent: row.owner_agent,
    assignee: row.assignee,
    labels: JSON.parse(row.labels) as string[],
    customer: JSON.parse(row.customer) as CustomerSummary,
    lastEvent: row.last_event ? (JSON.parse(row.last_event) as LastEventPreview) : null,
    lastSeq: row.last_seq,
    waitingSince: row.waiting_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

/** The sort key of each sort, over the snapshot's columns, and its direction. */
const SORTS: Record<DirectorySort, { key: string; desc: boolean }> = {
  updated: { key: "updated_at", desc: true },
  created: { key: "created_at", desc: true },
  // Longest waiting first; threads nobody waits on after them ('~' sorts after any timestamp).
  waiting: { key: "COALESCE(waiting_since, '~')", desc: false },
};

interface Cursor {
  /** The tenant's epoch the run reads the directory at (rows with rev ≤ w, as they were then). */
  w: number;
  /** When the run started (ms), for the TTL. */
  t: number;
  /** The filters and sort of the run; a cursor is only valid with the same ones. */
  f: string;
  /** The last row's sort key and id. */
  k: string;
  i: string;
}

const badCursor = (message: string) => new ServiceError("invalid_request", message, { errors: [{ path: "cursor", message }] });

function decodeCursor(text: string, filters: string, now: number): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(fromBase64Url(text)));
  } catch {
    throw badCursor("the cursor is not one this server made");
  }
  const c = value as Partial<Cursor>;
  if (typeof c !== "object" || c === null || typeof c.w !== "number" || typeof c.t !== "number" || typeof c.f !== "string" || typeof c.k !== "string" || typeof c.i !== "string") {
    throw badCursor("the cursor is not one this server made");
  }
  if (c.f !== filters) throw badCursor("the cursor belongs to other filters or another sort; start again without it");
  if (now - c.t > CURSOR_TTL_MS) throw badCursor("the cursor has expired; start again without it");
  return c as Cursor;
}

/**
 * The search condition on directory_search for `q`: trigram MATCH from 3
 * characters (FTS5 folds case across Unicode), LIKE below — once per way of
 * writing its one or two characters in lower and upper case, since SQLite's
 * LIKE folds ASCII letters only (so "rè" finds "RÈ").
 */
function searchCondition(typed: string): { sql: string; values: string[] } {
  // Composed as text is typed almost everywhere: "é" typed as e + U+0301 (macOS input) still finds "é".
  const q = typed.normalize("NFC");
  const chars = [...q];
  if (chars.length >= 3) return { sql: "directory_search MATCH ?", values: [`"${q.replace(/"/g, '""')}"`] };
  let spellings = [""];
  for (const ch of chars) {
    const cases = [...new Set([ch, ch.toLowerCase(), ch.toUpperCase()])];
    spellings = spellings.flatMap((prefix) => cases.map((c) => prefix + c));
  }
  const values = [...new Set(spellings)].map(likeValue);
  return { sql: `(${values.map(() => "text LIKE ? ESCAPE '\\'").join(" OR ")})`, values };
}

function likeValue(q: string): string {
  return `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/**
 * One page of the tenant's directory. The first page fixes the run's
 * snapshot (it starts a new epoch of the tenant and reads at the one before,
 * `w`); later pages read each row as it was at `w`
 * (the current row if unchanged since, else its history entry), so rows
 * that change during the run keep their place; the rows returned are
 * current. Rows created after `w` come with the live feed or a new run.
 */
export async function listDirectory(db: D1Database, tenant: string, query: DirectoryQuery, now = Date.now()): Promise<DirectoryPage> {
  const sort = SORTS[query.sort];
  const filters = JSON.stringify([query.status, query.assignee, query.owner, query.label, query.q, query.sort]);
  const cursor = query.cursor ? decodeCursor(query.cursor, filters, now) : null;
  const w = cursor?.w ?? (await startRun(db, tenant));

  const where: string[] = [];
  const binds: (string | number)[] = [tenant, w, tenant, w, w];
  if (query.status) {
    where.push("s.status = ?");
    binds.push(query.status);
  }
  if (query.owner) {
    where.push("s.owner = ?");
    binds.push(query.owner);
  }
  if (query.assignee) {
    if ("none" in query.assignee) where.push("s.assignee IS NULL");
    else {
      where.push("s.assignee = ?");
      binds.push(query.assignee.id);
    }
  }
  if (query.label) {
    where.push("EXISTS (SELECT 1 FROM json_each(s.labels) WHERE value = ?)");
    binds.push(query.label);
  }
  if (query.q) {
    const search = searchCondition(query.q);
    where.push(
      `(s.id IN (SELECT conversation_id FROM directory_search WHERE ${search.sql} AND tenant = ?)
        OR instr(s.customer_name, ?) > 0 OR instr(s.customer_name, ?) > 0 OR instr(lower(s.customer_id), lower(?)) > 0)`,
    );
    // customer_name is stored folded (storedOf): the name matches in any case and accents, beyond ASCII
    // too; the query lower-cased finds rows folded before accents were (toLowerCase alone). instr, not
    // LIKE: D1 refuses LIKE patterns over 50 bytes, and a query may have 128 characters.
    binds.push(...search.values, tenant, foldedForSearch(query.q), query.q.toLowerCase(), query.q);
  }
  if (cursor) {
    const op = sort.desc ? "<" : ">";
    where.push(`(${sort.key} ${op} ? OR (${sort.key} = ? AND s.id ${op} ?))`);
    binds.push(cursor.k, cursor.k, cursor.i);
  }
  const dir = sort.desc ? "DESC" : "ASC";
  const snapshot = `
    SELECT id, status, owner, assignee, labels, customer_id, customer_name, waiting_since, created_at, updated_at
      FROM directory WHERE tenant = ? AND rev <= ?
    UNION ALL
    SELECT id, status, owner, assignee, labels, customer_id, customer_name, waiting_since, created_at, updated_at
      FROM directory_history WHERE tenant = ? AND rev <= ? AND replaced_rev > ?`;
  const page = await db
    .prepare(
      `SELECT s.id AS id, ${sort.key} AS k FROM (${snapshot}) AS s
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY k ${dir}, s.id ${dir} LIMIT ?`,
    )
    .bind(...binds, query.limit + 1)
    .all<{ id: string; k: string }>();
  const keys = page.results.slice(0, query.limit);
  const hasMore = page.results.length > query.limit;

  const rows = await currentRows(db, tenant, keys.map((k) => k.id));
  const conversations = keys.map((k) => rows.get(k.id)).filter((r): r is DirectoryRow => r !== undefined);
  if (query.q) await addMatches(db, tenant, query.q, conversations);
  const last = keys.at(-1);
  const answer: DirectoryPage = {
    conversations,
    cursor: hasMore && last ? toBase64Url(new TextEncoder().encode(JSON.stringify({ w, t: cursor?.t ?? now, f: filters, k: last.k, i: last.id } satisfies Cursor))) : null,
  };
  if (query.counts) answer.counts = await countDirectory(db, tenant, query.me);
  return answer;
}

async function currentRows(db: D1Database, tenant: string, ids: string[]): Promise<Map<string, DirectoryRow>> {
  if (ids.length === 0) return new Map();
  const found = await db
    // One JSON array, not a variable per id: D1 takes at most 100 bound variables, and a page holds up to 100 rows.
    .prepare("SELECT * FROM directory WHERE tenant = ? AND id IN (SELECT value FROM json_each(?))")
    .bind(tenant, JSON.stringify(ids))
    .all<StoredRow>();
  return new Map(found.results.map((r) => [r.id, rowOf(r)]));
}

/** Adds `match` to each row: its newest matching message, or its customer's name or id. */
async function addMatches(db: D1Database, tenant: string, q: string, rows: DirectoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  const search = searchCondition(q);
  const hits = await db
    .prepare(
      // One row per conversation, its newest hit (SQLite takes a bare column from the max() row): the
      // texts of every hit could pass D1's 50 MB per result in busy threads.
      `SELECT conversation_id, max(seq) AS seq, text FROM directory_search
       WHERE ${search.sql} AND tenant = ? AND conversation_id IN (SELECT value FROM json_each(?)) GROUP BY conversation_id`,
    )
    .bind(...search.values, tenant, JSON.stringify(rows.map((r) => r.id)))
    .all<{ conversation_id: string; seq: number; text: string }>();
  const best = new Map(hits.results.map((h) => [h.conversation_id, h]));
  for (const row of rows) {
    const hit = best.get(row.id);
    if (hit) row.match = { seq: hit.seq, snippet: snippetOf(hit.text, q) };
    else row.match = { seq: 0, snippet: snippetOf(`${row.customer.name ?? ""} ${row.customer.id}`.trim(), q) };
  }
}

/** ≤ 140 characters of `text` around the first case-insensitive occurrence of `q` (no surrogate pair cut). */
export function snippetOf(text: string, q: string): string {
  const at = Math.max(0, text.toLowerCase().indexOf(q.toLowerCase()));
  const start = Math.max(0, at - 40);
  const end = Math.min(text.length, start + 138);
  return `${start > 0 ? "…" : ""}${sliceWhole(text, start, end)}${end < text.length ? "…" : ""}`;
}

/** Counts by status, and mine (assigned to the caller, not resolved) and unassigned (open or pending). */
export async function countDirectory(db: D1Database, tenant: string, me: string | null): Promise<NonNullable<DirectoryPage["counts"]>> {
  const row = await db
    .prepare(
      `SELECT
         SUM(status = 'open') AS open, SUM(status = 'pending') AS pending,
         SUM(status = 'snoozed') AS snoozed, SUM(status = 'resolved') AS resolved,
         SUM(assignee IS NOT NULL AND assignee = ? AND status != 'resolved') AS mine,
         SUM(assignee IS NULL AND status IN ('open', 'pending')) AS unassigned
       FROM directory WHERE tenant = ?`,
    )
    .bind(me ?? "", tenant)
    .first<Record<string, number | null>>();
  const n = (key: string) => row?.[key] ?? 0;
  return { open: n("open"), pending: n("pending"), snoozed: n("snoozed"), resolved: n("resolved"), mine: n("mine"), unassigned: n("unassigned") };
}
