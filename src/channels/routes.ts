// HTTP routes of Messenger channels (API.md "Messenger channels"):
// - /v1/channels: settings (admin key), a channel identity's thread
//   (business), and the platforms' webhooks (no credentials: signed);
// - /v1/conversations/:id/…: channel-link (customer), channel-deliveries
//   and their retry (business), and handoff links for business callers.
import { channelInboxStub, conversationStub } from "../directory/stubs";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import { settingsOf } from "../env";
import { authenticate, businessOf, businessOnly, customerOf } from "../http/auth";
import type { AppEnv } from "../http/types";
import { handoffCreated } from "../http/handoff";
import { describe, jsonBody, onConversation, pathParams, queryOf, ROUTE_DOCS, undescribed } from "../http/route";
import { isConversationId, isGuestLike } from "../ids";
import { ServiceError } from "../protocol/errors";
import { unwrap } from "../protocol/result";
import { personIdOf } from "./inbound";
import { signLinkRef } from "./link-ref";
import { CHANNEL_KINDS, deleteChannel, findChannel, listChannels, MessengerSettings, putChannel, WhatsAppSettings, type ChannelKind, type ChannelSecrets } from "./settings";
import { MAX_WEBHOOK_BYTES, receiveWebhook, verificationChallenge } from "./webhook";
import { decimalInt } from "../http/decimal-int";
import { CHANNEL_DELIVERIES_PAGE } from "./channel-sends";

function kindOf(value: string | undefined): ChannelKind {
  const kind = CHANNEL_KINDS.find((k) => k === value);
  if (!kind) throw new ServiceError("not_found", "no such channel kind: use messenger or whatsapp");
  return kind;
}

/** Stores the admin's channel of one kind (secrets sealed, never read back) and answers it. */
async function saveChannel(c: Context<AppEnv>, kind: ChannelKind, account: { accountId: string } & ChannelSecrets): Promise<Response> {
  const access = businessOf(c, ["admin"]);
  return c.json({ channel: await putChannel(c.env, { tenant: access.tenant, kind, apiBase: null, ...account }) });
}

const onKind = pathParams({ kind: { enum: [...CHANNEL_KINDS] } });

export const channels = new Hono<AppEnv>();

const setMessenger = ROUTE_DOCS ? describe("Set the Messenger page (admin key); secrets are never read back", ["apiKey"], { "200": "The channel" }) : undescribed;

channels.put("/messenger", setMessenger, authenticate(), businessOnly(["admin"]), jsonBody(MessengerSettings), async (c) => {
  const { pageId, pageAccessToken, appSecret, verifyToken } = c.req.valid("json");
  return saveChannel(c, "messenger", { accountId: pageId, accessToken: pageAccessToken, appSecret, verifyToken });
});

const setWhatsApp = ROUTE_DOCS ? describe("Set the WhatsApp Cloud API number (admin key); secrets are never read back", ["apiKey"], { "200": "The channel" }) : undescribed;

channels.put("/whatsapp", setWhatsApp, authenticate(), businessOnly(["admin"]), jsonBody(WhatsAppSettings), async (c) => {
  const { phoneNumberId, accessToken, appSecret, verifyToken } = c.req.valid("json");
  return saveChannel(c, "whatsapp", { accountId: phoneNumberId, accessToken, appSecret, verifyToken });
});

// Read by any business caller (a bot or an agent's tool may ask which apps the business is reachable in); changed by admins only.
channels.get("/", ROUTE_DOCS ? describe("The tenant's channels, without secrets", ["apiKey"], { "200": "The channels" }) : undescribed, authenticate(), async (c) => {
  const access = businessOf(c);
  return c.json({ channels: await listChannels(c.env.DB, access.tenant) });
});

channels.delete("/:kind", ROUTE_DOCS ? describe("Remove a channel (admin key)", ["apiKey"], { "204": "Removed" }, onKind) : undescribed, authenticate(), async (c) => {
  const access = businessOf(c, ["admin"]);
  if (!(await deleteChannel(c.env.DB, access.tenant, kindOf(c.req.param("kind"))))) throw new ServiceError("not_found", "no such channel");
  return c.body(null, 204);
});

/** The channel identity a contact route names: its kind, ids and ChannelInbox. */
function contactOf(c: Context<AppEnv>) {
  const access = businessOf(c);
  const kind = kindOf(c.req.param("kind"));
  const platformId = c.req.param("platformId") ?? "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(platformId)) throw new ServiceError("not_found", "no such contact");
  const person = personIdOf(kind, platformId);
  return { kind, platformId, person, inbox: channelInboxStub(c.env, access.tenant, person) };
}

/**
 * The identity's state, if it ever wrote: it has a thread, or items waiting
 * or given up on (its first ones have no thread yet).
 * @throws ServiceError not_found for an identity that never wrote
 */
async function known(inbox: ReturnType<typeof contactOf>["inbox"]) {
  const state = await inbox.state();
  if (!state.conversationId && state.items.pending + state.items.failed === 0) throw new ServiceError("not_found", "this identity has not written yet");
  return state;
}

const onContact = pathParams({ kind: { enum: [...CHANNEL_KINDS] }, platformId: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } });

/** Contract extension: the person and thread of one channel identity (e.g. a PSID from the business's own Messenger tools). */
const contact = ROUTE_DOCS ? describe("The person and thread of a channel identity (PSID or wa_id), and its items waiting or given up on", ["apiKey"], { "200": "The contact", "404": "The identity has not written" }, onContact) : undescribed;

channels.get("/:kind/contacts/:platformId", contact, authenticate(), async (c) => {
  const { kind, platformId, person, inbox } = contactOf(c);
  const state = await known(inbox);
  const items = { pending: state.items.pending, failed: state.items.failed };
  return c.json({ contact: { channel: kind, platformId, person, conversationId: state.conversationId, linkedTo: state.link?.userId ?? null, items } });
});

const failedItems = ROUTE_DOCS ? describe("The identity's webhook items given up on (oldest first, at most 100)", ["apiKey"], { "200": "{ items }", "404": "The identity has not written" }, onContact) : undescribed;

channels.get("/:kind/contacts/:platformId/failed-items", failedItems, authenticate(), async (c) => {
  const { inbox } = contactOf(c);
  const [, items] = await Promise.all([known(inbox), inbox.failedItems()]);
  return c.json({ items });
});

const retryItem = ROUTE_DOCS ? describe("Process a failed webhook item again, with fresh attempts", ["apiKey"], { "202": "Scheduled", "404": "No such failed item" }, {
  parameters: [...onContact.parameters, ...pathParams({ id: { type: "integer", minimum: 1 } }).parameters],
}) : undescribed;

channels.post("/:kind/contacts/:platformId/failed-items/:id/retry", retryItem, authenticate(), async (c) => {
  const { inbox } = contactOf(c);
  const id = SeqParam.safeParse(c.req.param("id"));
  if (!id.success || !(await inbox.retry(id.data))) throw new ServiceError("not_found", "no such failed item");
  return c.body(null, 202);
});

const handshake = ROUTE_DOCS ? describe("The platform's verification handshake: hub.challenge when hub.mode=subscribe and hub.verify_token match", [], {
  "200": "The challenge, as text",
  "403": "No match",
}) : undescribed;

const webhook = ROUTE_DOCS ? describe("A platform webhook, verified by X-Hub-Signature-256 over the raw body, stored, then processed", [], {
  "200": "EVENT_RECEIVED",
  "401": "Missing or wrong signature",
}) : undescribed;

// One URL per platform, as each platform's app settings name it (and the document lists it).
for (const kind of CHANNEL_KINDS) {
  channels.get(`/:tenant/${kind}/webhook`, handshake, async (c) => {
    const config = await findChannel(c.env, c.req.param("tenant"), kind);
    const challenge = await verificationChallenge(config, c.req.query());
    if (challenge === null) throw new ServiceError("forbidden", "hub.mode must be subscribe and hub.verify_token must match the channel's verify token");
    return c.text(challenge, 200);
  });

  channels.post(`/:tenant/${kind}/webhook`, webhook, async (c) => {
    const config = await findChannel(c.env, c.req.param("tenant"), kind);
    if (!config) throw new ServiceError("not_found", "no such channel");
    if (Number(c.req.header("content-length") ?? "0") > MAX_WEBHOOK_BYTES) throw new ServiceError("payload_too_large", "webhook bodies are limited to 1 MiB");
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (raw.byteLength > MAX_WEBHOOK_BYTES) throw new ServiceError("payload_too_large", "webhook bodies are limited to 1 MiB");
    await receiveWebhook(c.env, config, raw, c.req.header("x-hub-signature-256"));
    return c.text("EVENT_RECEIVED", 200);
  });
}

const ChannelLinkRequest = z.strictObject({ channel: z.literal("messenger") });
const SeqParam = decimalInt(1, Number.MAX_SAFE_INTEGER);

function conversationIdOf(c: Context<AppEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!isConversationId(id)) throw new ServiceError("not_found", "conversation not found");
  return id;
}

/** Mounted at /v1/conversations before the conversation routes; customers' handoffs fall through to them. */
export const channelConversations = new Hono<AppEnv>();

const channelLink = ROUTE_DOCS ? describe("An m.me link with a one-time signed ref that continues this thread in Messenger", ["session"], { "201": "{ url, ref, expiresAt }" }, onConversation) : undescribed;

channelConversations.post("/:id/channel-link", channelLink, authenticate(), jsonBody(ChannelLinkRequest), async (c) => {
  const access = customerOf(c);
  const id = conversationIdOf(c);
  unwrap(await conversationStub(c.env, access.tenant, id).get(access));
  const config = await findChannel(c.env, access.tenant, "messenger");
  if (!config) throw new ServiceError("not_found", "this business has no Messenger channel");
  const { ref, expiresAt } = await signLinkRef(settingsOf(c.env).sessionKey, access.tenant, id);
  return c.json({ url: `https://m.me/${encodeURIComponent(config.accountId)}?ref=${encodeURIComponent(ref)}`, ref, expiresAt }, 201);
});

/** Keyset paging back through the deliveries, like the events' history: `before` a seq, newest `limit` first. */
const DeliveriesQuery = z.strictObject({
  before: z.optional(decimalInt(1, Number.MAX_SAFE_INTEGER)),
  limit: z._default(decimalInt(1, CHANNEL_DELIVERIES_PAGE), CHANNEL_DELIVERIES_PAGE),
});

const sends = ROUTE_DOCS
  ? describe("Sends of this thread's business messages to its messenger channel: the newest `limit` before `before`, oldest first", ["apiKey"], {
      "200": "A page: { deliveries, cursor, hasMore }",
    }, onConversation)
  : undescribed;

channelConversations.get("/:id/channel-deliveries", sends, authenticate(), queryOf(DeliveriesQuery), async (c) => {
  const access = businessOf(c);
  const id = conversationIdOf(c);
  return c.json(unwrap(await conversationStub(c.env, access.tenant, id).channelDeliveries(access.tenant, c.req.valid("query"))));
});

const retrySend = ROUTE_DOCS ? describe("Make a pending or failed channel delivery due now", ["apiKey"], { "202": "Scheduled" }, {
  parameters: [...onConversation.parameters, ...pathParams({ seq: { type: "integer", minimum: 1 } }).parameters],
}) : undescribed;

channelConversations.post("/:id/channel-deliveries/:seq/retry", retrySend, authenticate(), async (c) => {
  const access = businessOf(c);
  const id = conversationIdOf(c);
  const seq = SeqParam.safeParse(c.req.param("seq"));
  if (!seq.success) throw new ServiceError("not_found", "no such delivery");
  unwrap(await conversationStub(c.env, access.tenant, id).retryChannelDelivery(access.tenant, seq.data));
  return c.body(null, 202);
});

/** Business callers may create handoff links too (to send as a "Continue on our website" URL button). */
channelConversations.post("/:id/handoff", authenticate(), async (c, next) => {
  const access = c.get("access");
  if (access.kind !== "business") return next();
  const id = conversationIdOf(c);
  const { userId } = unwrap(await conversationStub(c.env, access.tenant, id).channelView(access.tenant));
  return handoffCreated(c, {
    tenant: access.tenant,
    userId,
    conversationId: id,
    // A channel identity's person gets a guest token on the website, so signing in there merges them.
    guest: isGuestLike(userId),
  });
});
