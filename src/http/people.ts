// The people index for business callers (API.md "People, subscriptions and
// broadcasts"): list with label/q filters and keyset paging, one person,
// change labels and timezone.
import { Hono } from "hono/tiny";
import * as z from "../zod";
import { findPerson, listPeople, patchPerson } from "../broadcast/people";
import { LABEL_PATTERN } from "../broadcast/label-expr";
import { isTimeZone } from "../broadcast/local-time";
import { ServiceError } from "../protocol/errors";
import { authenticate, businessOf, businessOnly } from "./auth";
import { decodeCursor, encodeCursor } from "./cursor";
import type { AppEnv } from "./types";
import { describe, jsonBody, queryOf, ROUTE_DOCS, undescribed } from "./route";
import { decimalInt } from "./decimal-int";

const Label = z.string().check(z.regex(LABEL_PATTERN, "a label is 1..32 of [a-z0-9_:-]"));

/** GET /v1/people query. */
export const PeopleQuery = z.strictObject({
  label: z.optional(Label),
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  limit: z._default(decimalInt(1, 100), 25),
});

/** PATCH /v1/people/:userId body. */
export const PatchPersonBody = z
  .strictObject({
    labels: z.optional(
      z.strictObject({ add: z._default(z.array(Label).check(z.maxLength(50)), []), remove: z._default(z.array(Label).check(z.maxLength(50)), []) }),
    ),
    timezone: z.optional(z.nullable(z.string().check(z.maxLength(64), z.refine(isTimeZone, "must be an IANA timezone such as Europe/Berlin")))),
  })
  .check(z.refine((p) => p.labels !== undefined || p.timezone !== undefined, { message: "nothing to change" }));

const isCursor = (v: unknown): v is { after: string } =>
  typeof v === "object" && v !== null && typeof (v as { after?: unknown }).after === "string";

export const people = new Hono<AppEnv>();
people.use("*", authenticate());

people.get("/", ROUTE_DOCS ? describe("People (keyset paging by id)", ["apiKey"], { "200": "{ people, cursor }" }) : undescribed, queryOf(PeopleQuery), async (c) => {
  const access = businessOf(c);
  const query = c.req.valid("query");
  const page = await listPeople(c.env.DB, access.tenant, {
    limit: query.limit,
    ...(query.label !== undefined ? { label: query.label } : {}),
    ...(query.q !== undefined ? { q: query.q } : {}),
    ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor, isCursor).after } : {}),
  });
  return c.json({ people: page.people, cursor: page.last === null ? null : encodeCursor({ after: page.last }) });
});

people.get("/:userId", ROUTE_DOCS ? describe("One person", ["apiKey"], { "200": "{ person }" }) : undescribed, async (c) => {
  const access = businessOf(c);
  const person = await findPerson(c.env.DB, access.tenant, c.req.param("userId"));
  if (!person) throw new ServiceError("not_found", "no such person");
  return c.json({ person });
});

people.patch("/:userId", ROUTE_DOCS ? describe("Add/remove labels, set the IANA timezone", ["apiKey"], { "200": "{ person }" }) : undescribed, businessOnly(), jsonBody(PatchPersonBody), async (c) => {
  const access = businessOf(c);
  const body = c.req.valid("json");
  const person = await patchPerson(c.env.DB, access.tenant, c.req.param("userId"), {
    add: body.labels?.add ?? [],
    remove: body.labels?.remove ?? [],
    ...(body.timezone !== undefined ? { timezone: body.timezone } : {}),
  });
  return c.json({ person });
});
