// Conversation routes for customers (their own threads) and for the business
// (Send API with a tenant API key). Thin: validate, authorize, call the DO.
import { messageSender, noteAuthor } from "../conversation/send-as";
import { conversationStub, customerStub } from "../directory/stubs";
import { Hono, type Context } from "hono";
import * as z from "zod";
import { signHandoffToken } from "../auth/handoff-token";
import { settingsOf } from "../env";
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
import { authenticate, businessOf, customerOf } from "./auth";
import { limitCustomerSend } from "./rate-limit";
import type { AppEnv } from "./types";
import { jsonBody, queryOf } from "./validate";

const SeqParam = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const EventsQuery = z
  .strictObject({
    after: SeqParam.optional(),
    before: SeqParam.min(1).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  })
  .refine((q) => q.after === undefined || q.before === undefined, {
    message: "use after or before, not both",
    path: ["before"],
  });

export const CreateConversation = z.strictObject({ ref: z.string().min(1).max(256).optional() });

export const SendMessage = z.strictObject({
  clientId: ClientId,
  content: Content,
  sender: BusinessSender.optional(),
});

/** Handover metadata: a JSON object (free-form) of at most 1 KiB. */
const HandoverMetadata = z
  .record(z.string(), z.unknown())
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).byteLength <= 1024, "metadata is limited to 1 KiB of JSON");

export const HandoverRequest = z.strictObject({
  owner: z.enum(["bot", "agent"]),
  agentId: z.string().min(1).max(128).optional(),
  reason: z.string().min(1).max(256).optional(),
  metadata: HandoverMetadata.optional(),
  ifEpoch: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
});

const Label = z.string().regex(/^[a-z0-9_:-]{1,32}$/, "labels are 1..32 of a-z 0-9 _ : -");

export const PatchConversation = z
  .strictObject({
    status: z.enum(["open", "pending", "snoozed", "resolved"]).optional(),
    snoozedUntil: z.iso.datetime({ offset: true }).nullable().optional(),
    assignee: z.string().min(1).max(128).nullable().optional(),
    labels: z.array(Label).max(20).optional(),
  })
  .superRefine((b, ctx) => {
    if (Object.keys(b).length === 0) ctx.addIssue({ code: "custom", path: [], message: "nothing to change" });
    if (b.status === "snoozed" && !b.snoozedUntil) {
      ctx.addIssue({ code: "custom", path: ["snoozedUntil"], message: "required with status snoozed" });
    }
    if (b.snoozedUntil && b.status !== "snoozed") {
      ctx.addIssue({ code: "custom", path: ["snoozedUntil"], message: "goes with status snoozed" });
    }
  });

export const NoteRequest = z.strictObject({ clientId: ClientId, text: NoteText, sender: BusinessSender.optional() });

const DirectoryQuerySchema = z.strictObject({
  status: z.enum(["open", "pending", "snoozed", "resolved"]).optional(),
  assignee: z.string().min(1).max(128).optional(),
  owner: z.enum(["bot", "agent"]).optional(),
  label: Label.optional(),
  q: z.string().trim().min(1).max(128).optional(),
  sort: z.enum(["updated", "waiting", "created"]).default("updated"),
  cursor: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  counts: z.enum(["true", "false", "1", "0"]).optional(),
});

const NotesQuery = z.strictObject({
  after: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
});

export const PaymentUpdate = z.strictObject({ status: PaymentStatus });

export const ReadRequest = z.strictObject({ seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) });

/** The conversation's DO, addressed by tenant so no credential reaches another tenant's thread. */
function conversationOf(c: Context<AppEnv>, access: Access) {
  const id = c.req.param("id") ?? "";
  if (!isConversationId(id)) throw new ServiceError("not_found", "conversation not found");
  return conversationStub(c.env, access.tenant, id);
}

/** Optional JSON body: an empty body is allowed, anything else must be valid. */
async function optionalBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  if ((c.req.header("content-length") ?? "") === "0" || !c.req.header("content-type")) return schema.parse({});
  return jsonBody(c, schema);
}

export const conversations = new Hono<AppEnv>();
conversations.use("*", authenticate());

conversations.post("/", async (c) => {
  const access = customerOf(c);
  const body = await optionalBody(c, CreateConversation);
  const customer = customerStub(c.env, access.tenant, access.userId);
  const input: { tenant: string; userId: string; ref?: string } = { tenant: access.tenant, userId: access.userId };
  if (body.ref) input.ref = body.ref;
  const { conversation, created } = unwrap(await customer.openConversation(input));
  return c.json({ conversation }, created ? 201 : 200);
});

/** The directory: every conversation of the caller's tenant, filtered, sorted, paged (business only). */
conversations.get("/", async (c) => {
  const access = businessOf(c);
  const q = queryOf(c, DirectoryQuerySchema);
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

conversations.get("/:id", async (c) => {
  const access = c.get("access");
  return c.json(unwrap(await conversationOf(c, access).get(access)));
});

conversations.get("/:id/events", async (c) => {
  const access = c.get("access");
  const query = queryOf(c, EventsQuery);
  // The DO answers the page as JSON text: no per-event parse, clone and stringify on the way.
  const page = unwrap(
    await conversationOf(c, access).eventsJson(access, {
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
    }),
  );
  return c.body(page, 200, { "content-type": "application/json" });
});

conversations.post("/:id/messages", async (c) => {
  const access = c.get("access");
  const body = await jsonBody(c, SendMessage);
  // Refused before a rate-limit token is spent; the DO applies the same rule again.
  messageSender(access, body.sender);
  if (access.kind === "customer") await limitCustomerSend(c, access);
  const { event, created } = unwrap(await conversationOf(c, access).append(access, body));
  return c.json({ event }, created ? 201 : 200);
});

conversations.post("/:id/read", async (c) => {
  const access = customerOf(c);
  const body = await jsonBody(c, ReadRequest);
  unwrap(await conversationOf(c, access).markRead(access, body.seq));
  return c.body(null, 204);
});

/** Status, snooze, assignee, labels: one conversation.updated event per request. */
conversations.patch("/:id", async (c) => {
  const access = businessOf(c);
  const body = await jsonBody(c, PatchConversation);
  const patch: StatePatch = {};
  if (body.status !== undefined) patch.status = body.status;
  if (body.snoozedUntil !== undefined) patch.snoozedUntil = body.snoozedUntil === null ? null : new Date(body.snoozedUntil).toISOString();
  if (body.assignee !== undefined) patch.assignee = body.assignee;
  if (body.labels !== undefined) patch.labels = body.labels;
  return c.json(unwrap(await conversationOf(c, access).update(access, patch)));
});

/** Bot ↔ agent handover (API.md "Handover"). */
conversations.post("/:id/handover", async (c) => {
  const access = businessOf(c);
  const body = await jsonBody(c, HandoverRequest);
  const input: HandoverInput = { owner: body.owner };
  if (body.agentId) input.agentId = body.agentId;
  if (body.reason) input.reason = body.reason;
  if (body.metadata) input.metadata = body.metadata as HandoverMetadataType;
  if (body.ifEpoch !== undefined) input.ifEpoch = body.ifEpoch;
  return c.json(unwrap(await conversationOf(c, access).handover(access, input)));
});

/** Internal notes: business callers only, never in the customer's log. */
conversations.post("/:id/notes", async (c) => {
  const access = businessOf(c);
  const body = await jsonBody(c, NoteRequest);
  noteAuthor(access, body.sender);
  const { note, created } = unwrap(await conversationOf(c, access).addNote(access, body));
  return c.json({ note }, created ? 201 : 200);
});

conversations.get("/:id/notes", async (c) => {
  const access = businessOf(c);
  const query = queryOf(c, NotesQuery);
  return c.json(unwrap(await conversationOf(c, access).listNotes(access, query.after ?? null, query.limit)));
});

conversations.post("/:id/payments/:requestId", async (c) => {
  const access = businessOf(c);
  const { status } = await jsonBody(c, PaymentUpdate);
  const requestId = c.req.param("requestId");
  const { event, created } = unwrap(await conversationOf(c, access).updatePayment(access, requestId, status));
  return c.json({ event }, created ? 201 : 200);
});

conversations.post("/:id/handoff", async (c) => {
  const access = customerOf(c);
  const { conversation } = unwrap(await conversationOf(c, access).get(access));
  const { token, handoff } = await signHandoffToken(settingsOf(c.env).sessionKey, {
    tenant: access.tenant,
    userId: access.userId,
    conversationId: conversation.id,
    guest: access.guest,
    issuedBy: { deviceId: access.deviceId, sessionId: access.sessionId },
  });
  const base = (c.env.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
  const url = `${base}/?${new URLSearchParams({ tenant: access.tenant, handoff: token }).toString()}`;
  return c.json({ handoffToken: token, url, expiresAt: handoff.expiresAt }, 201);
});

export const me = new Hono<AppEnv>();
me.use("*", authenticate());

me.get("/conversations", async (c) => {
  const access = customerOf(c);
  const customer = customerStub(c.env, access.tenant, access.userId);
  return c.json({ conversations: await customer.listThreads() });
});
