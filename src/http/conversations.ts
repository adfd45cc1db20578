// Conversation routes for customers (their own threads) and for the business
// (Send API with a tenant API key). Thin: validate, authorize, call the DO.
import { messageSender, noteAuthor } from "../conversation/send-as";
import { conversationStub, customerStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { isConversationId } from "../ids";
import type { Access } from "../protocol/access";
import { Content, PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { BusinessSender, ClientId, type HandoverMetadata as HandoverMetadataType } from "../protocol/event";
import { NoteText } from "../protocol/note";
import type { HandoverInput } from "../conversation/handover";
import type { StatePatch } from "../conversation/state";
import { listDirectory, type DirectoryQuery } from "../directory/conversation-index";
import { unwrap } from "../protocol/result";
import { MAX_PAGE } from "../conversation/event-store";
import { authenticate, businessOf, businessOnly, customerOf } from "./auth";
import { decimalInt } from "./decimal-int";
import { handoffCreated } from "./handoff";
import { limitCustomerSend } from "./rate-limit";
import type { AppEnv } from "./types";
import { describe, jsonBody, onConversation as onThread, queryOf, type Credential, ROUTE_DOCS, undescribed } from "./route";

/** A seq in a query: `min` and up. */
const seqParam = (min: number) => decimalInt(min, Number.MAX_SAFE_INTEGER);

const EventsQuery = z
  .strictObject({
    after: z.optional(seqParam(0)),
    before: z.optional(seqParam(1)),
    limit: z._default(decimalInt(1, MAX_PAGE), 100),
  })
  .check(
    z.refine((q) => q.after === undefined || q.before === undefined, {
      message: "use after or before, not both",
      path: ["before"],
    }),
  );

export const CreateConversation = z.strictObject({ ref: z.optional(z.string().check(z.minLength(1), z.maxLength(256))) });

export const SendMessage = z.strictObject({
  clientId: ClientId,
  content: Content,
  sender: z.optional(BusinessSender),
});

/** Handover metadata: a JSON object (free-form) of at most 1 KiB. */
const HandoverMetadata = z
  .record(z.string(), z.unknown())
  .check(z.refine((m) => new TextEncoder().encode(JSON.stringify(m)).byteLength <= 1024, "metadata is limited to 1 KiB of JSON"));

export const HandoverRequest = z.strictObject({
  owner: z.enum(["bot", "agent"]),
  agentId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  metadata: z.optional(HandoverMetadata),
  ifEpoch: z.optional(z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER))),
});

const Label = z.string().check(z.regex(/^[a-z0-9_:-]{1,32}$/, "labels are 1..32 of a-z 0-9 _ : -"));

export const PatchConversation = z
  .strictObject({
    status: z.optional(z.enum(["open", "pending", "snoozed", "resolved"])),
    snoozedUntil: z.optional(z.nullable(z.iso.datetime({ offset: true }))),
    assignee: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(128)))),
    labels: z.optional(z.array(Label).check(z.maxLength(20))),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (Object.keys(b).length === 0) ctx.addIssue({ code: "custom", path: [], message: "nothing to change" });
      if (b.status === "snoozed" && !b.snoozedUntil) {
        ctx.addIssue({ code: "custom", path: ["snoozedUntil"], message: "required with status snoozed" });
      }
      if (b.snoozedUntil && b.status !== "snoozed") {
        ctx.addIssue({ code: "custom", path: ["snoozedUntil"], message: "goes with status snoozed" });
      }
    }),
  );

export const NoteRequest = z.strictObject({ clientId: ClientId, text: NoteText, sender: z.optional(BusinessSender) });

const DirectoryQuerySchema = z.strictObject({
  status: z.optional(z.enum(["open", "pending", "snoozed", "resolved"])),
  assignee: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  owner: z.optional(z.enum(["bot", "agent"])),
  label: z.optional(Label),
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
  sort: z._default(z.enum(["updated", "waiting", "created"]), "updated"),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  limit: z._default(decimalInt(1, 100), 25),
  counts: z.optional(z.enum(["true", "false", "1", "0"])),
});

const NotesQuery = z.strictObject({
  after: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  limit: z._default(decimalInt(1, MAX_PAGE), 100),
});

export const PaymentUpdate = z.strictObject({ status: PaymentStatus });

export const ReadRequest = z.strictObject({ seq: z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)) });

/** The conversation's DO, addressed by tenant so no credential reaches another tenant's thread. */
function conversationOf(c: Context<AppEnv>, access: Access) {
  const id = c.req.param("id") ?? "";
  if (!isConversationId(id)) throw new ServiceError("not_found", "conversation not found");
  return conversationStub(c.env, access.tenant, id);
}

/** Content-Type of a JSON answer; copied into each Response, never changed. */
const JSON_TYPE = new Headers({ "content-type": "application/json" });

export const conversations = new Hono<AppEnv>();
// These routes only call the thread's Conversation DO, which refuses a signed-out session itself: no Customer DO round trip.
conversations.on("GET", ["/:id", "/:id/events"], authenticate("thread"));
conversations.on("POST", ["/:id/messages", "/:id/read", "/:id/handoff"], authenticate("thread"));
conversations.use("*", authenticate());

const business: Credential[] = ["apiKey", "agentSession"];

conversations.post("/", ROUTE_DOCS ? describe("This person's open conversation, created if none", ["session"], { "200": "Existing", "201": "Created" }) : undescribed, jsonBody(CreateConversation, { optional: true }), async (c) => {
  const access = customerOf(c);
  const body = c.req.valid("json");
  const customer = customerStub(c.env, access.tenant, access.userId);
  const input: { tenant: string; userId: string; ref?: string } = { tenant: access.tenant, userId: access.userId };
  if (body.ref) input.ref = body.ref;
  const { conversation, created } = unwrap(await customer.openConversation(input));
  return c.json({ conversation }, created ? 201 : 200);
});

/** The directory: every conversation of the caller's tenant, filtered, sorted, paged (business only). */
const directory = ROUTE_DOCS ? describe("The directory: the tenant's conversations, filtered, sorted, keyset-paged; q searches message text and customers", business, {
  "200": "A page of rows, the next cursor (null at the end), counts when asked",
}) : undescribed;

conversations.get("/", directory, queryOf(DirectoryQuerySchema), async (c) => {
  const access = businessOf(c);
  const q = c.req.valid("query");
  const me = access.agent?.id ?? null;
  const query: DirectoryQuery = { sort: q.sort, limit: q.limit, counts: q.counts === "true" || q.counts === "1", me };
  if (q.status) query.status = q.status;
  if (q.owner) query.owner = q.owner;
  if (q.label) query.label = q.label;
  if (q.q) query.q = q.q;
  if (q.cursor) query.cursor = q.cursor;
  if (q.assignee === "me") {
    if (!me) throw new ServiceError("invalid_request", "assignee=me needs an agent session", { errors: [{ path: "assignee", message: "no agent" }] });
    query.assignee = { id: me };
  } else if (q.assignee === "none") query.assignee = { none: true };
  else if (q.assignee) query.assignee = { id: q.assignee };
  return c.json(await listDirectory(c.env.DB, access.tenant, query));
});

conversations.get("/:id", ROUTE_DOCS ? describe("A conversation and its read cursors (business callers also get its state)", ["session", ...business], { "200": "The conversation" }, onThread) : undescribed, async (c) => {
  const access = c.get("access");
  return c.json(unwrap(await conversationOf(c, access).get(access)));
});

const events = ROUTE_DOCS ? describe("Events after a seq (forward sync) or before one (history), ascending", ["session", "apiKey"], { "200": "A page: { events, cursor, hasMore }" }, onThread) : undescribed;

conversations.get("/:id/events", events, queryOf(EventsQuery), async (c) => {
  const access = c.get("access");
  // The DO answers the page as JSON text (one string SQLite built): no per-event parse, clone and stringify on the way.
  const page = unwrap(await conversationOf(c, access).eventsJson(access, c.req.valid("query")));
  return new Response(page, { headers: JSON_TYPE });
});

const append = ROUTE_DOCS ? describe("Append a message; idempotent by clientId (API keys add sender)", ["session", "apiKey"], {
  "200": "A retry: the original event",
  "201": "Appended",
  "403": "A bot-role API key naming a sender other than a bot",
  "409": "clientId used with other content, or a bot while an agent owns the thread",
}, onThread) : undescribed;

conversations.post("/:id/messages", append, jsonBody(SendMessage), async (c) => {
  const access = c.get("access");
  const body = c.req.valid("json");
  // Refused before a rate-limit token is spent; the DO applies the same rule again.
  messageSender(access, body.sender);
  if (access.kind === "customer") await limitCustomerSend(c, access);
  const { created, json } = unwrap(await conversationOf(c, access).appendJson(access, body));
  // A Response of its own (as Hono makes for c.body): the Headers are copied, not parsed from an object, per append.
  return new Response(json, { status: created ? 201 : 200, headers: JSON_TYPE });
});

conversations.post("/:id/read", ROUTE_DOCS ? describe("Move this device's read cursor", ["session"], { "204": "Moved (never backwards)" }, onThread) : undescribed, jsonBody(ReadRequest), async (c) => {
  const access = customerOf(c);
  const body = c.req.valid("json");
  unwrap(await conversationOf(c, access).markRead(access, body.seq));
  return c.body(null, 204);
});

/** Status, snooze, assignee, labels: one conversation.updated event per request. */
const patchThread = ROUTE_DOCS ? describe("Change status, snooze, assignee, labels: one conversation.updated event with changes", business, {
  "200": "The conversation and the event (null when nothing changed)",
}, onThread) : undescribed;

conversations.patch("/:id", patchThread, businessOnly(), jsonBody(PatchConversation), async (c) => {
  const access = businessOf(c);
  const body = c.req.valid("json");
  const patch: StatePatch = {};
  if (body.status !== undefined) patch.status = body.status;
  if (body.snoozedUntil !== undefined) patch.snoozedUntil = body.snoozedUntil === null ? null : new Date(body.snoozedUntil).toISOString();
  if (body.assignee !== undefined) patch.assignee = body.assignee;
  if (body.labels !== undefined) patch.labels = body.labels;
  return c.json(unwrap(await conversationOf(c, access).update(access, patch)));
});

/** Bot ↔ agent handover (API.md "Handover"). */
const handover = ROUTE_DOCS ? describe("Pass the thread between the bot and agents (ifEpoch guards a take; 409 names the owner)", business, {
  "200": "The conversation and the event, or event null when the owner did not change",
  "409": "Stale ifEpoch, or another agent owns the thread",
}, onThread) : undescribed;

conversations.post("/:id/handover", handover, businessOnly(), jsonBody(HandoverRequest), async (c) => {
  const access = businessOf(c);
  const body = c.req.valid("json");
  const input: HandoverInput = { owner: body.owner };
  if (body.agentId) input.agentId = body.agentId;
  if (body.reason) input.reason = body.reason;
  if (body.metadata) input.metadata = body.metadata as HandoverMetadataType;
  if (body.ifEpoch !== undefined) input.ifEpoch = body.ifEpoch;
  return c.json(unwrap(await conversationOf(c, access).handover(access, input)));
});

/** Internal notes: business callers only, never in the customer's log. */
const writeNote = ROUTE_DOCS ? describe("Write an internal note (never in the customer log); idempotent by clientId", business, { "200": "A retry: the original note", "201": "Written" }, onThread) : undescribed;

conversations.post("/:id/notes", writeNote, businessOnly(), jsonBody(NoteRequest), async (c) => {
  const access = businessOf(c);
  const body = c.req.valid("json");
  noteAuthor(access, body.sender);
  const { note, created } = unwrap(await conversationOf(c, access).addNote(access, body));
  return c.json({ note }, created ? 201 : 200);
});

conversations.get("/:id/notes", ROUTE_DOCS ? describe("Internal notes after the note `after`", business, { "200": "{ notes, cursor, hasMore }" }, onThread) : undescribed, queryOf(NotesQuery), async (c) => {
  const access = businessOf(c);
  const query = c.req.valid("query");
  return c.json(unwrap(await conversationOf(c, access).listNotes(access, query.after ?? null, query.limit)));
});

const payment = ROUTE_DOCS ? describe("A payment request's new status (a payment.updated event)", ["apiKey"], {
  "200": "A retry: the earlier update",
  "201": "Recorded",
  "409": "The request is already final",
}, onThread) : undescribed;

conversations.post("/:id/payments/:requestId", payment, businessOnly(), jsonBody(PaymentUpdate), async (c) => {
  const access = businessOf(c);
  const { status } = c.req.valid("json");
  const requestId = c.req.param("requestId");
  const { event, created } = unwrap(await conversationOf(c, access).updatePayment(access, requestId, status));
  return c.json({ event }, created ? 201 : 200);
});

conversations.post("/:id/handoff", ROUTE_DOCS ? describe("A one-time link that opens this thread on another device or on the website (business callers too)", ["session", ...business], { "201": "The handoff token and URL" }, onThread) : undescribed, async (c) => {
  const access = customerOf(c);
  const { conversation } = unwrap(await conversationOf(c, access).get(access));
  return handoffCreated(c, {
    tenant: access.tenant,
    userId: access.userId,
    conversationId: conversation.id,
    guest: access.guest,
    issuedBy: { deviceId: access.deviceId, sessionId: access.sessionId },
  });
});

export const me = new Hono<AppEnv>();
me.use("*", authenticate());

me.get("/conversations", ROUTE_DOCS ? describe("This person's conversations with unread counts", ["session"], { "200": "The list" }) : undescribed, async (c) => {
  const access = customerOf(c);
  const customer = customerStub(c.env, access.tenant, access.userId);
  return c.json({ conversations: await customer.listThreads() });
});
