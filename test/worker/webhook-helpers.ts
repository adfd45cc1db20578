// Helpers for webhook tests: a fresh tenant per test (its own endpoints and
// outboxes), the controllable receiver behind https://hooks.test/<bin>
// (test/support/webhook-receiver.ts, miniflare's outbound service), and
// signature checks with the public `standardwebhooks` package.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import type { WebhookBody } from "../../src/protocol/webhook-body";
import type { WebhookDelivery } from "../../src/webhooks/deliveries-index";
import { ADMIN_TOKEN, api, identityToken, json } from "./helpers";

export const HOOKS = "https://hooks.test";

export interface TestTenant {
  id: string;
  adminKey: string;
  botKey: string;
  secret: string;
}

export async function newTenant(): Promise<TestTenant> {
  const id = `wh-${crypto.randomUUID().slice(0, 18)}`;
  const secret = `tenant-secret-${crypto.randomUUID()}`;
  const res = await api("/v1/admin/tenants", {
    method: "POST",
    token: ADMIN_TOKEN,
    json: { id, name: "Webhook Shop", identity: { issuer: id, hs256Secrets: [secret] } },
  });
  expect(res.status).toBe(201);
  const { apiKey } = await json<{ apiKey: string }>(res);
  const bot = await json<{ apiKey: string }>(
    await api(`/v1/admin/tenants/${id}/api-keys`, { method: "POST", token: ADMIN_TOKEN, json: { role: "bot" } }),
  );
  return { id, adminKey: apiKey, botKey: bot.apiKey, secret };
}

/** A customer session of `tenant` and the customer's conversation. */
export async function customer(tenant: TestTenant, userId = `u-${crypto.randomUUID()}`): Promise<{ token: string; conversationId: string; userId: string; deviceId: string }> {
  const session = await api("/v1/sessions", {
    method: "POST",
    json: { tenant: tenant.id, identityToken: await identityToken(userId, { iss: tenant.id, secret: tenant.secret, name: "Cleo" }) },
  });
  expect(session.status).toBe(201);
  const { sessionToken, deviceId } = await json<{ sessionToken: string; deviceId: string }>(session);
  const conv = await api("/v1/conversations", { method: "POST", token: sessionToken, json: {} });
  const { conversation } = await json<{ conversation: { id: string } }>(conv);
  return { token: sessionToken, conversationId: conversation.id, userId, deviceId };
}

export async function say(token: string, conversationId: string, text: string): Promise<{ seq: number; id: string }> {
  const res = await api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token,
    json: { clientId: crypto.randomUUID(), content: { type: "text", text } },
  });
  expect(res.status).toBe(201);
  return (await json<{ event: { seq: number; id: string } }>(res)).event;
}

export interface CreatedEndpoint {
  endpoint: { id: string; url: string; events: string[]; disabled: boolean; bot: boolean; createdAt: string };
  secret: string;
  bin: string;
}

export async function addEndpoint(tenant: TestTenant, events: string[], extra: Record<string, unknown> = {}): Promise<CreatedEndpoint> {
  const bin = `bin-${crypto.randomUUID()}`;
  const res = await api("/v1/webhook-endpoints", { method: "POST", token: tenant.adminKey, json: { url: `${HOOKS}/${bin}`, events, ...extra } });
  expect(res.status).toBe(201);
  return { ...(await json<Omit<CreatedEndpoint, "bin">>(res)), bin };
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  hold?: boolean;
}

/** Queues the receiver's next answers for `bin` (then 200 for anything after). */
export async function plan(bin: string, answers: Answer[]): Promise<void> {
  await fetch(`${HOOKS}/_plan/${bin}`, { method: "POST", body: JSON.stringify(answers) });
}

/** Drops the answers still planned for `bin` (everything gets 200 again). */
export async function resetPlan(bin: string): Promise<void> {
  await fetch(`${HOOKS}/_reset/${bin}`, { method: "POST" });
}

export async function release(bin: string): Promise<void> {
  await fetch(`${HOOKS}/_release/${bin}`, { method: "POST" });
}

/** An endpoint for message.created whose receiver holds its first delivery unanswered until `release(bin)`. */
export async function heldEndpoint(tenant: TestTenant): Promise<CreatedEndpoint> {
  const held = await addEndpoint(tenant, ["message.created"]);
  await plan(held.bin, [{ status: 200, hold: true }]);
  return held;
}

/** A customer of a test tenant and their thread (`customer`). */
export type Customer = Awaited<ReturnType<typeof customer>>;

/**
 * The set-up most webhook tests start from: a new tenant, one endpoint for
 * `events` whose receiver gives `answers` first (then 200), and one
 * customer's thread, made in that order.
 */
export async function hookedThread(answers: Answer[] = [], events = ["message.created"]): Promise<CreatedEndpoint & { tenant: TestTenant; c: Customer }> {
  const tenant = await newTenant();
  const created = await addEndpoint(tenant, events);
  if (answers.length > 0) await plan(created.bin, answers);
  const c = await customer(tenant);
  return { ...created, tenant, c };
}

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  at: number;
  json: WebhookBody<Record<string, unknown> & { sender?: { role: string }; content?: { text?: string } }>;
}

export async function received(bin: string): Promise<Delivery[]> {
  const log = (await (await fetch(`${HOOKS}/_log/${bin}`)).json()) as Omit<Delivery, "json">[];
  return log.map((d) => ({ ...d, json: JSON.parse(d.body) as Delivery["json"] }));
}

/** Waits (≤ 20 s) until the receiver has at least `count` deliveries for `bin`. */
export async function receivedAtLeast(bin: string, count: number): Promise<Delivery[]> {
  let log = await received(bin);
  for (let i = 0; i < 1000 && log.length < count; i++) {
    await new Promise((r) => setTimeout(r, 20));
    log = await received(bin);
  }
  expect(log.length, `deliveries to ${bin}`).toBeGreaterThanOrEqual(count);
  return log;
}

/** Verifies a delivery with the public standardwebhooks library; returns its payload. */
export function verify(secret: string, delivery: Delivery): unknown {
  return new Webhook(secret).verify(delivery.body, delivery.headers);
}

function conversationStub(tenant: TestTenant, conversationId: string) {
  return env.CONVERSATION.getByName(`${tenant.id}:${conversationId}`);
}

/**
 * Makes the conversation's pending retries due now and runs its alarm — the
 * retry schedule's minutes and hours, without waiting for them.
 */
export async function hurry(tenant: TestTenant, conversationId: string): Promise<void> {
  const stub = conversationStub(tenant, conversationId);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE outbox_deliveries SET next_at = ? WHERE status = 'pending'", Date.now());
    await state.storage.setAlarm(Date.now());
  });
  await runDurableObjectAlarm(stub);
}

/** A delivery as GET …/deliveries lists it. */
export type ListedDelivery = WebhookDelivery;

export async function deliveries(tenant: TestTenant, endpointId: string, query = ""): Promise<ListedDelivery[]> {
  const res = await api(`/v1/webhook-endpoints/${endpointId}/deliveries${query}`, { token: tenant.adminKey });
  expect(res.status).toBe(200);
  return (await json<{ deliveries: ListedDelivery[] }>(res)).deliveries;
}

/** Polls the deliveries listing until `ready` holds (at most `timeoutMs`). */
export async function deliveriesWhen(
  tenant: TestTenant,
  endpointId: string,
  ready: (list: ListedDelivery[]) => boolean,
  query = "",
  timeoutMs = 5_000,
): Promise<ListedDelivery[]> {
  const deadline = Date.now() + timeoutMs;
  let list = await deliveries(tenant, endpointId, query);
  while (!ready(list) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    list = await deliveries(tenant, endpointId, query);
  }
  expect(ready(list), `deliveries of ${endpointId}: ${JSON.stringify(list)}`).toBe(true);
  return list;
}
