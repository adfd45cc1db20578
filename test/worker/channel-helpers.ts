// Helpers for the Messenger channel tests: a tenant with channels set up
// through the API, platform webhook fixtures (written from Meta's published
// payload shapes) signed here with the channel's app secret, and the Graph
// API intercepted in this isolate.
//
// Interception: @cloudflare/vitest-plugin 1.4 no longer exports `fetchMock`
// from cloudflare:test, and the Worker and its Durable Objects run in the
// test's isolate, so a spy on `globalThis.fetch` sees every outbound call;
// anything that is not the Graph API goes to the real fetch. Every
// interception ends with the test that made it (`interceptFetch`).
import { expect, onTestFinished, vi } from "vitest";
import { hubSignature } from "../../src/channels/signature";
import { DEFAULT_GRAPH_API_BASE } from "../../src/channels/send";
import { api, eventually, json } from "./helpers";
import { createTenant } from "./identity-helpers";

export const GRAPH = DEFAULT_GRAPH_API_BASE;

export interface ChannelTenant {
  id: string;
  adminKey: string;
  /** The tenant's HS256 identity secret (issuer = id). */
  identitySecret: string;
  pageId: string;
  pageToken: string;
  appSecret: string;
  verifyToken: string;
  phoneNumberId: string;
  waToken: string;
  waSecret: string;
}

let counter = 0;
function digits(n: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => String(b % 10)).join("");
}

/** A platform user id that no other test uses. */
export function uniquePsid(): string {
  return `7${digits(15)}`;
}

/** A tenant with a Messenger page and a WhatsApp number set up through PUT /v1/channels/…. */
export async function channelTenant(body: Record<string, unknown> = {}): Promise<ChannelTenant> {
  const tenant = await createTenant(body);
  const t: ChannelTenant = {
    id: tenant.id,
    adminKey: tenant.apiKey,
    identitySecret: tenant.secret,
    pageId: `1${digits(14)}`,
    pageToken: `EAAG${crypto.randomUUID().replace(/-/g, "")}`,
    appSecret: `app-secret-${crypto.randomUUID()}`,
    verifyToken: `verify-${crypto.randomUUID()}`,
    phoneNumberId: `1${digits(14)}`,
    waToken: `EAAW${crypto.randomUUID().replace(/-/g, "")}`,
    waSecret: `wa-secret-${crypto.randomUUID()}`,
  };
  const messenger = await api("/v1/channels/messenger", {
    method: "PUT",
    token: t.adminKey,
    json: { pageId: t.pageId, pageAccessToken: t.pageToken, appSecret: t.appSecret, verifyToken: t.verifyToken },
  });
  if (messenger.status !== 200) throw new Error(`messenger channel: ${messenger.status} ${await messenger.text()}`);
  const whatsapp = await api("/v1/channels/whatsapp", {
    method: "PUT",
    token: t.adminKey,
    json: { phoneNumberId: t.phoneNumberId, accessToken: t.waToken, appSecret: t.waSecret, verifyToken: t.verifyToken },
  });
  if (whatsapp.status !== 200) throw new Error(`whatsapp channel: ${whatsapp.status} ${await whatsapp.text()}`);
  return t;
}

/** POSTs a webhook body as the platform would: signed over the exact bytes (unless `signature` is given). */
export async function postWebhook(
  t: ChannelTenant,
  kind: "messenger" | "whatsapp",
  body: unknown,
  signature?: string | null,
): Promise<Response> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const sig = signature === undefined ? await hubSignature(kind === "messenger" ? t.appSecret : t.waSecret, raw) : signature;
  if (sig !== null) headers["x-hub-signature-256"] = sig;
  return api(`/v1/channels/${t.id}/${kind}/webhook`, { method: "POST", body: raw, headers });
}

/** A Messenger `mid` as the platform makes them (long, opaque). */
export function mid(): string {
  counter++;
  return `m_${crypto.randomUUID().replace(/-/g, "")}${crypto.randomUUID().replace(/-/g, "")}_${counter}`;
}

/** One Messenger messaging event from `psid` to the page. */
export function messaging(t: ChannelTenant, psid: string, event: Record<string, unknown>, timestamp = Date.now()): Record<string, unknown> {
  return { sender: { id: psid }, recipient: { id: t.pageId }, timestamp, ...event };
}

/** A Messenger webhook body: entries, each with its messaging events. */
export function messengerBody(t: ChannelTenant, ...entries: Record<string, unknown>[][]): Record<string, unknown> {
  return { object: "page", entry: entries.map((messaging) => ({ id: t.pageId, time: Date.now(), messaging })) };
}

/** A WhatsApp webhook body with one "messages" change. */
export function whatsappBody(t: ChannelTenant, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: t.phoneNumberId }, ...value },
          },
        ],
      },
    ],
  };
}

export interface Contact {
  person: string;
  conversationId: string;
  linkedTo: string | null;
}

/** The person and thread of a channel identity, once its first item is processed. */
export async function contactOf(t: ChannelTenant, kind: "messenger" | "whatsapp", platformId: string): Promise<Contact> {
  // 200 with no thread while the identity's first items wait: the contact is read again until its thread exists.
  const read = async () => {
    const res = await api(`/v1/channels/${kind}/contacts/${platformId}`, { token: t.adminKey });
    return { status: res.status, text: await res.text() };
  };
  const answer = await eventually(read, (a) => a.status === 200 && (JSON.parse(a.text) as { contact: Contact }).contact.conversationId !== null);
  if (answer.status !== 200) throw new Error(`contact: ${answer.status} ${answer.text}`);
  return (JSON.parse(answer.text) as { contact: Contact }).contact;
}

export interface LoggedEvent {
  seq: number;
  id: string;
  type: string;
  channel?: string;
  clientId?: string;
  sender: { role: string; id: string; deviceId?: string };
  content?: Record<string, unknown>;
  broadcastId?: string;
  reason?: string;
}

export async function eventsOf(t: ChannelTenant, conversationId: string): Promise<LoggedEvent[]> {
  const res = await api(`/v1/conversations/${conversationId}/events?after=0&limit=500`, { token: t.adminKey });
  if (res.status !== 200) throw new Error(`events: ${res.status} ${await res.text()}`);
  return (await json<{ events: LoggedEvent[] }>(res)).events;
}

export interface Delivery {
  seq: number;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  platformMessageIds: string[];
  deliveredAt: string | null;
  readAt: string | null;
}

export async function deliveriesOf(t: ChannelTenant, conversationId: string): Promise<Delivery[]> {
  const res = await api(`/v1/conversations/${conversationId}/channel-deliveries`, { token: t.adminKey });
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${await res.text()}`);
  return (await json<{ deliveries: Delivery[] }>(res)).deliveries;
}

/** A business message through the Send API (admin key of the channel tenant). */
export function sendAs(t: ChannelTenant, conversationId: string, role: "bot" | "agent", content: Record<string, unknown>): Promise<Response> {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token: t.adminKey,
    json: { clientId: `c-${crypto.randomUUID()}`, content, sender: { role, id: role === "bot" ? "shopbot" : "sam", name: role } },
  });
}

/** A Messenger user writes "hello" (at `timestamp`); resolves with their thread once the message is in. */
export async function messengerThread(t: ChannelTenant, psid = uniquePsid(), timestamp = Date.now()): Promise<{ psid: string; conversationId: string }> {
  const res = await postWebhook(t, "messenger", messengerBody(t, [messaging(t, psid, { message: { mid: mid(), text: "hello" } }, timestamp)]));
  expect(res.status).toBe(200);
  const { conversationId } = await contactOf(t, "messenger", psid);
  await eventually(() => eventsOf(t, conversationId), (e) => e.length === 1);
  return { psid, conversationId };
}

/** A WhatsApp timestamp (seconds since the epoch, as a string) of now. */
export function waTimestamp(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** A WhatsApp user's thread, opened by their "hi" through the signed webhook. */
export async function whatsappThread(t: ChannelTenant, waId = uniquePsid()): Promise<{ waId: string; conversationId: string }> {
  const hello = whatsappBody(t, { messages: [{ from: waId, id: `wamid.${crypto.randomUUID()}`, timestamp: waTimestamp(), type: "text", text: { body: "hi" } }] });
  expect((await postWebhook(t, "whatsapp", hello)).status).toBe(200);
  const { conversationId } = await contactOf(t, "whatsapp", waId);
  await eventually(() => eventsOf(t, conversationId), (e) => e.length === 1);
  return { waId, conversationId };
}

/** The seq of the event a send created; fails the test unless it answered 201. */
export async function seqOf(res: Response): Promise<number> {
  expect(res.status).toBe(201);
  return (await json<{ event: { seq: number } }>(res)).event.seq;
}

export interface GraphCall {
  url: string;
  authorization: string | null;
  body: Record<string, unknown>;
}

/**
 * Intercepts the global fetch (the Worker's outbound calls too) until the
 * running test finishes: `answer` returns the Response for a call it takes,
 * `undefined` for the rest, which go to the real fetch.
 */
export function interceptFetch(answer: (request: Request) => Response | undefined | Promise<Response | undefined>): void {
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(
    async (input: RequestInfo | URL, init?: RequestInit) => (await answer(new Request(input, init))) ?? real(input, init),
  );
  onTestFinished(() => spy.mockRestore());
}

/**
 * The Graph API, intercepted for the running test: every call is recorded;
 * answers come from `answer` (default: a Messenger/WhatsApp success with a
 * fresh message id).
 */
export function mockGraph(answer?: (call: GraphCall, index: number) => Response | Promise<Response>): { calls: GraphCall[] } {
  const calls: GraphCall[] = [];
  interceptFetch(async (request) => {
    // Sends only: lookups (GET: profiles, media) are mockProfiles' and mockWhatsAppMedia's; un-mocked, test/vitest.config.ts refuses them.
    if (!request.url.startsWith(GRAPH) || request.method === "GET") return undefined;
    const call: GraphCall = {
      url: request.url,
      authorization: request.headers.get("authorization"),
      body: (await request.json()) as Record<string, unknown>,
    };
    calls.push(call);
    if (answer) return answer(call, calls.length - 1);
    return graphOk(call);
  });
  return { calls };
}

/** What the platform answers for an accepted message. */
export function graphOk(call: GraphCall): Response {
  const id = `m_out_${crypto.randomUUID()}`;
  if ("messaging_product" in call.body) return Response.json({ messaging_product: "whatsapp", contacts: [{ wa_id: call.body.to }], messages: [{ id: `wamid.${id}` }] });
  return Response.json({ recipient_id: (call.body.recipient as { id: string }).id, message_id: id });
}

/** A Graph API error answer. */
export function graphError(status: number, code: number, message: string, subcode?: number): Response {
  return Response.json({ error: { message, type: "OAuthException", code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: "AbCdEf123" } }, { status });
}

export interface ProfileCall {
  url: URL;
  authorization: string | null;
}

/**
 * Messenger's User Profile API, intercepted for the running test, with the
 * page's sends (answered as mockGraph does): `GET ${GRAPH}/<psid>` answers
 * `profiles[psid]` (first_name, last_name, as the User Profile API does, or
 * what a function of it answers)
 * with the page token `token`, Graph's error for an unknown PSID or another
 * token. Every lookup is recorded.
 */
export function mockProfiles(token: string, profiles: Record<string, { first_name?: string; last_name?: string } | (() => Response)>): { lookups: ProfileCall[] } {
  const lookups: ProfileCall[] = [];
  interceptFetch(async (request) => {
    if (!request.url.startsWith(GRAPH)) return undefined;
    if (request.method !== "GET") return graphOk({ url: request.url, authorization: null, body: (await request.json()) as Record<string, unknown> });
    const url = new URL(request.url);
    const authorization = request.headers.get("authorization");
    lookups.push({ url, authorization });
    if (authorization !== `Bearer ${token}`) return graphError(401, 190, "Invalid OAuth access token.");
    const psid = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    const profile = profiles[psid];
    if (typeof profile === "function") return profile();
    if (!profile) return graphError(400, 100, `Unsupported get request. Object with ID '${psid}' does not exist`, 33);
    return Response.json({ ...profile, id: psid });
  });
  return { lookups };
}

/** WhatsApp's media CDN in tests (the real one answers the lookup's short-lived URLs). */
export const WA_CDN = "https://lookaside.fbsbx.test";

export interface MediaCall {
  method: string;
  url: string;
  authorization: string | null;
}

export interface WhatsAppFile {
  body: Uint8Array;
  /** The lookup's mime_type (the CDN answers with it too). */
  type: string;
  /** The lookup's sha256 (default: the bytes' real one). */
  sha256?: string;
}

/**
 * WhatsApp media, intercepted for the running test: the Graph lookup `GET ${GRAPH}/<media id>`
 * answers `files[id]`'s URL, type, hash and size (Cloud API "Retrieve media
 * URL"), or Graph's error for an unknown id; the CDN answers the bytes, but
 * only with the channel's bearer token (401 without). Every call is recorded.
 */
export function mockWhatsAppMedia(token: string, files: Record<string, WhatsAppFile>): { calls: MediaCall[] } {
  const calls: MediaCall[] = [];
  interceptFetch(async (request) => {
    if (!request.url.startsWith(GRAPH) && !request.url.startsWith(WA_CDN)) return undefined;
    const authorization = request.headers.get("authorization");
    calls.push({ method: request.method, url: request.url, authorization });
    if (authorization !== `Bearer ${token}`) return graphError(401, 190, "Invalid OAuth access token.");
    const url = new URL(request.url);
    if (request.url.startsWith(GRAPH)) {
      const id = decodeURIComponent(url.pathname.split("/").pop() ?? "");
      const file = files[id];
      if (!file) return graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist`, 33);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", file.body));
      return Response.json({
        messaging_product: "whatsapp",
        url: `${WA_CDN}/whatsapp_business/attachments/?mid=${id}&ext=1764520000&hash=ATtQ2kLkZ`,
        mime_type: file.type,
        sha256: file.sha256 ?? [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
        file_size: String(file.body.byteLength),
        id,
      });
    }
    const file = files[url.searchParams.get("mid") ?? ""];
    if (!file) return new Response("not found", { status: 404 });
    return new Response(file.body, { headers: { "content-type": file.type, "content-length": String(file.body.byteLength) } });
  });
  return { calls };
}
