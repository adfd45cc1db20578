// Conversation routes for customers (their own threads) and for the business
// (Send API with a tenant API key). Thin: validate, authorize, call the DO.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { signHandoffToken } from "../auth/handoff-token";
import { settingsOf } from "../env";
import { isConversationId } from "../ids";
import type { Access } from "../protocol/access";
import { Content, PaymentStatus } from "../protocol/content";
import { ServiceError } from "../protocol/errors";
import { BusinessSender, ClientId } from "../protocol/event";
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

export const HandoverRequest = z.strictObject({
  owner: z.enum(["bot", "agent"]),
  agentId: z.string().min(1).max(128).optional(),
  reason: z.string().min(1).max(256).optional(),
});

export const PaymentUpdate = z.strictObject({ status: PaymentStatus });

export const ReadRequest = z.strictObject({ seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) });

/** The conversation's DO, addressed by tenant so no credential reaches another tenant's thread. */
function conversationOf(c: Context<AppEnv>, access: Access) {
  const id = c.req.param("id") ?? "";
  if (!isConversationId(id)) throw new ServiceError("not_found", "conversation not found");
  return c.env.CONVERSATION.getByName(`${access.tenant}:${id}`);
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
  const customer = c.env.CUSTOMER.getByName(`${access.tenant}:${access.userId}`);
  const input: { tenant: string; userId: string; ref?: string } = { tenant: access.tenant, userId: access.userId };
  if (body.ref) input.ref = body.ref;
  const { conversation, created } = unwrap(await customer.openConversation(input));
  return c.json({ conversation }, created ? 201 : 200);
});

conversations.get("/:id", async (c) => {
  const access = c.get("access");
  return c.json(unwrap(await conversationOf(c, access).get(access)));
});

conversations.get("/:id/events", async (c) => {
  const access = c.get("access");
  const query = queryOf(c, EventsQuery);
  const page = unwrap(
    await conversationOf(c, access).events(access, {
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
    }),
  );
  return c.json(page);
});

conversations.post("/:id/messages", async (c) => {
  const access = c.get("access");
  const body = await jsonBody(c, SendMessage);
  if (access.kind === "business" && !body.sender) {
    throw new ServiceError("invalid_request", "sender is required with an API key", {
      errors: [{ path: "sender", message: "required" }],
    });
  }
  if (access.kind === "customer" && body.sender) {
    throw new ServiceError("invalid_request", "customers cannot choose a sender", {
      errors: [{ path: "sender", message: "not allowed with a session token" }],
    });
  }
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

/** A single-use link that opens this thread, as this person, on another device. */
conversations.post("/:id/handover", async (c) => {
  const access = businessOf(c);
  const body = await jsonBody(c, HandoverRequest);
  const input: { owner: "bot" | "agent"; agentId?: string; reason?: string } = { owner: body.owner };
  if (body.agentId) input.agentId = body.agentId;
  if (body.reason) input.reason = body.reason;
  return c.json(unwrap(await conversationOf(c, access).handover(access, input)));
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
  const customer = c.env.CUSTOMER.getByName(`${access.tenant}:${access.userId}`);
  return c.json({ conversations: await customer.listThreads() });
});
