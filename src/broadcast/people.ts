// The people index in D1: who the business can reach. The Customer DOs push
// name, guest and last-seen (versioned); the business sets labels and
// timezone. Keyset paging by user id.
import { ServiceError } from "../protocol/errors";
import { foldedForSearch } from "../protocol/text";

/** A person as GET /v1/people shows them. */
export interface Person {
  id: string;
  name: string | null;
  guest: boolean;
  labels: string[];
  timezone: string | null;
  subscriptions: string[];
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a Customer DO knows of its person; `version` only grows. */
export interface PersonPush {
  tenant: string;
  userId: string;
  name: string | null;
  guest: boolean;
  lastSeenAt: string;
  version: number;
}

/** A person may carry at most this many labels. */
export const MAX_PERSON_LABELS = 50;

interface PersonRow {
  user_id: string;
  name: string | null;
  guest: number;
  labels: string;
  timezone: string | null;
  last_seen_at: string | null;
  created_at: string;
  updated_at: string;
  subs: string | null;
}

const SELECT_PERSON = `SELECT p.user_id, p.name, p.guest, p.labels, p.timezone, p.last_seen_at, p.created_at, p.updated_at,
  (SELECT json_group_array(s.topic) FROM subscriptions s WHERE s.tenant = p.tenant AND s.user_id = p.user_id) AS subs
  FROM people p`;

function rowToPerson(row: PersonRow): Person {
  return {
    id: row.user_id,
    name: row.name,
    guest: row.guest === 1,
    labels: JSON.parse(row.labels) as string[],
    timezone: row.timezone,
    subscriptions: (JSON.parse(row.subs ?? "[]") as string[]).sort(),
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Upserts what a Customer DO pushed. A push whose version is not above the
 * stored one is ignored, so a late or repeated push never moves a row back.
 * Labels and timezone are never touched here.
 */
export async function recordPerson(db: D1Database, push: PersonPush, now = new Date()): Promise<void> {
  const at = now.toISOString();
  await db
    .prepare(
      `INSERT INTO people (tenant, user_id, name, name_folded, guest, last_seen_at, version, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?8, ?4, ?5, ?6, ?7, ?7)
       ON CONFLICT (tenant, user_id) DO UPDATE SET name = excluded.name, name_folded = excluded.name_folded, guest = excluded.guest,
         last_seen_at = excluded.last_seen_at, version = excluded.version, updated_at = excluded.updated_at
       WHERE excluded.version > people.version`,
    )
    .bind(push.tenant, push.userId, push.name, push.guest ? 1 : 0, push.lastSeenAt, push.version, at, push.name !== null ? foldedForSearch(push.name) : null)
    .run();
}

/** One person of the tenant's index, or null. */
export async function findPerson(db: D1Database, tenant: string, userId: string): Promise<Person | null> {
  const row = await db.prepare(`${SELECT_PERSON} WHERE p.tenant = ? AND p.user_id = ?`).bind(tenant, userId).first<PersonRow>();
  return row ? rowToPerson(row) : null;
}

/**
 * One page of people in user-id order. `after` is the last id of the
 * previous page (keyset: rows added or changed while paging are never
 * repeated or skipped). `q` is a case-insensitive substring of name (in any
 * script) or id (ASCII letters folded).
 */
export async function listPeople(
  db: D1Database,
  tenant: string,
  query: { label?: string; q?: string; after?: string; limit: number },
): Promise<{ people: Person[]; last: string | null }> {
  const where = ["p.tenant = ?"];
  const params: (string | number)[] = [tenant];
  if (query.after !== undefined) {
    where.push("p.user_id > ?");
    params.push(query.after);
  }
  if (query.label !== undefined) {
    where.push("EXISTS (SELECT 1 FROM json_each(p.labels) WHERE json_each.value = ?)");
    params.push(query.label);
  }
  if (query.q !== undefined) {
    // instr: no LIKE wildcards to escape in what the caller typed. The name is searched in name_folded
    // (recordPerson), where it matches in any case and accents, beyond ASCII too; the query lower-cased
    // finds rows folded before accents were (toLowerCase), and lower(name) those that migration 0014
    // could fold in ASCII only, by the case they are written in, as before it.
    where.push("(instr(lower(p.user_id), lower(?)) > 0 OR instr(p.name_folded, ?) > 0 OR instr(p.name_folded, ?) > 0 OR instr(lower(p.name), lower(?)) > 0)");
    params.push(query.q, foldedForSearch(query.q), query.q.toLowerCase(), query.q);
  }
  params.push(query.limit + 1);
  const rows = await db
    .prepare(`${SELECT_PERSON} WHERE ${where.join(" AND ")} ORDER BY p.user_id LIMIT ?`)
    .bind(...params)
    .all<PersonRow>();
  const people = rows.results.slice(0, query.limit).map(rowToPerson);
  return { people, last: rows.results.length > query.limit ? (people.at(-1)?.id ?? null) : null };
}

/**
 * Adds and removes labels and sets the timezone in one statement, so two
 * concurrent changes never lose each other's labels.
 * @throws ServiceError not_found for an unknown person, invalid_request past MAX_PERSON_LABELS.
 */
export async function patchPerson(
  db: D1Database,
  tenant: string,
  userId: string,
  patch: { add: string[]; remove: string[]; timezone?: string | null },
  now = new Date(),
): Promise<Person> {
  const merged = `(SELECT json_group_array(value) FROM (
      SELECT value FROM json_each(people.labels) WHERE value NOT IN (SELECT value FROM json_each(?1))
      UNION SELECT value FROM json_each(?2) WHERE value NOT IN (SELECT value FROM json_each(?1))
      ORDER BY value))`;
  const result = await db
    .prepare(
      `UPDATE people SET labels = ${merged},
         timezone = CASE WHEN ?3 = 1 THEN ?4 ELSE timezone END, updated_at = ?5
       WHERE tenant = ?6 AND user_id = ?7 AND json_array_length(${merged}) <= ?8`,
    )
    .bind(
      JSON.stringify(patch.remove),
      JSON.stringify(patch.add),
      patch.timezone !== undefined ? 1 : 0,
      patch.timezone ?? null,
      now.toISOString(),
      tenant,
      userId,
      MAX_PERSON_LABELS,
    )
    .run();
  if (result.meta.changes === 0) {
    if (!(await findPerson(db, tenant, userId))) throw new ServiceError("not_found", `no person ${userId}`);
    throw new ServiceError("invalid_request", `a person carries at most ${MAX_PERSON_LABELS} labels`, {
      errors: [{ path: "labels.add", message: `at most ${MAX_PERSON_LABELS} labels in all` }],
    });
  }
  const person = await findPerson(db, tenant, userId);
  if (!person) throw new ServiceError("not_found", `no person ${userId}`);
  return person;
}

/**
 * The statements (one D1 batch) that move `fromId`'s topic subscriptions
 * (they opted in), labels (at most MAX_PERSON_LABELS in all) and timezone
 * over to `userId`, leaving `fromId` with none of them.
 */
function carriedOver(db: D1Database, tenant: string, fromId: string, userId: string, now: Date): D1PreparedStatement[] {
  return [
    // The business's labels and timezone move along, like the subscriptions (so a retried or repeated move
    // brings back nothing the business removed since): the person's own first when the labels would pass
    // the cap; a row the person's Customer DO has not pushed yet starts here at version 0 (recordPerson fills it in).
    db
      .prepare(
        `INSERT INTO people (tenant, user_id, labels, timezone, created_at, updated_at)
         SELECT tenant, ?1, labels, timezone, ?2, ?2 FROM people WHERE tenant = ?3 AND user_id = ?4 AND (labels != '[]' OR timezone IS NOT NULL)
         ON CONFLICT (tenant, user_id) DO UPDATE SET timezone = COALESCE(people.timezone, excluded.timezone), updated_at = excluded.updated_at,
           labels = (SELECT json_group_array(value) FROM (SELECT value FROM (
             SELECT value, MIN(o) AS o FROM (SELECT value, 0 AS o FROM json_each(people.labels) UNION ALL SELECT value, 1 FROM json_each(excluded.labels))
             GROUP BY value ORDER BY o, value LIMIT ?5) ORDER BY value))`,
      )
      .bind(userId, now.toISOString(), tenant, fromId, MAX_PERSON_LABELS),
    db
      .prepare("UPDATE people SET labels = '[]', timezone = NULL, updated_at = ? WHERE tenant = ? AND user_id = ? AND (labels != '[]' OR timezone IS NOT NULL)")
      .bind(now.toISOString(), tenant, fromId),
    db
      .prepare(
        `INSERT OR IGNORE INTO subscriptions (tenant, topic, user_id, created_at)
         SELECT tenant, topic, ?, ? FROM subscriptions WHERE tenant = ? AND user_id = ?`,
      )
      .bind(userId, now.toISOString(), tenant, fromId),
    db.prepare("DELETE FROM subscriptions WHERE tenant = ? AND user_id = ?").bind(tenant, fromId),
  ];
}

/**
 * A guest was merged into an identified person: the guest's topic
 * subscriptions carry over to the person (they opted in), so do the labels
 * and timezone the business gave the guest, and the guest leaves the index
 * (their threads now belong to the person).
 */
export async function mergePerson(db: D1Database, tenant: string, guestId: string, userId: string, now = new Date()): Promise<void> {
  await db.batch([...carriedOver(db, tenant, guestId, userId, now), db.prepare("DELETE FROM people WHERE tenant = ? AND user_id = ?").bind(tenant, guestId)]);
}

/**
 * A messenger identity followed a web person's channel link and writes as
 * them from now on: its topic subscriptions carry over to that person, whose
 * thread reaches it (its own thread, no longer bound to it, would not), and
 * so do the labels and timezone the business gave it (the Messenger
 * person's row keeps none). Its index row and thread stay. Idempotent: a
 * repeated move finds nothing left to carry.
 */
export async function carryPerson(db: D1Database, tenant: string, channelPersonId: string, userId: string, now = new Date()): Promise<void> {
  await db.batch(carriedOver(db, tenant, channelPersonId, userId, now));
}
