// Webhooks from the real Worker under `wrangler dev` to a real loopback HTTP
// receiver (DEV_SEED allows http://127.0.0.1), verified with the public
// `standardwebhooks` package — and a runtime killed mid-retry and started
// again on the same state loses no pending delivery.
import type { Server } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useLocalServer } from "../support/use-server.ts";
import { WebhookReceiver, type Received } from "../support/webhook-receiver.ts";
import { identityToken, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();
const receiver = new WebhookReceiver();
let receiverUrl = "";
let http: Server | undefined;

beforeAll(async () => {
  const listening = await receiver.listen();
  receiverUrl = listening.url;
  http = listening.server;
});
afterAll(() => {
  http?.close();
});

async function call<T>(path: string, token: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

let adminKey: string | undefined;
async function admin(): Promise<string> {
  adminKey ??= (await call<{ apiKey: string }>("/v1/admin/tenants/demo/api-keys", "dev-admin-token-change-me", { role: "admin" })).body.apiKey;
  return adminKey;
}

async function endpoint(bin: string): Promise<{ id: string; secret: string }> {
  const res = await call<{ endpoint: { id: string }; secret: string }>("/v1/webhook-endpoints", await admin(), {
    url: `${receiverUrl}/${bin}`,
    events: ["message.created"],
  });
  expect(res.status).toBe(201);
  return { id: res.body.endpoint.id, secret: res.body.secret };
}

async function customerThread(): Promise<{ token: string; conversationId: string }> {
  const session = await call<{ sessionToken: string }>("/v1/sessions", "", { tenant: "demo", identityToken: await identityToken(uniqueUser("wh")) });
  const token = session.body.sessionToken;
  const conv = await call<{ conversation: { id: string } }>("/v1/conversations", token, {});
  return { token, conversationId: conv.body.conversation.id };
}

async function say(thread: { token: string; conversationId: string }, text: string): Promise<void> {
  const res = await call(`/v1/conversations/${thread.conversationId}/messages`, thread.token, { clientId: crypto.randomUUID(), content: { type: "text", text } });
  expect(res.status).toBe(201);
}

const texts = (log: Received[]) => log.map((d) => (JSON.parse(d.body) as { data: { content: { text: string } } }).data.content.text);

describe("webhooks under wrangler dev", () => {
  it("delivers to a loopback receiver; standardwebhooks verifies every delivery", async () => {
    const bin = `b-${crypto.randomUUID()}`;
    const { secret } = await endpoint(bin);
    const thread = await customerThread();
    await say(thread, "hello");
    await say(thread, "again");
    await waitFor(() => receiver.log(bin).length >= 2, "two deliveries");
    const log = receiver.log(bin);
    const verifier = new Webhook(secret);
    for (const d of log) expect(verifier.verify(d.body, d.headers)).toMatchObject({ type: "message.created", conversationId: thread.conversationId });
    expect(texts(log)).toEqual(["hello", "again"]);
  });

  it("loses no pending delivery when the runtime is killed mid-retry and restarted on the same state", async () => {
    const bin = `b-${crypto.randomUUID()}`;
    const { id, secret } = await endpoint(bin);
    receiver.plan(bin, [{ status: 500 }]);
    const thread = await customerThread();
    await say(thread, "m1");
    await say(thread, "m2");
    await say(thread, "m3");
    await waitFor(() => receiver.log(bin).length >= 1, "the first, failing attempt");
    // m1 waits for its retry (≈ 5 s), m2 and m3 wait behind it: kill everything now.
    await server().restart();

    await waitFor(() => receiver.log(bin).length >= 4, "the retry and the rest after the restart", 45_000);
    const log = receiver.log(bin);
    expect(texts(log)).toEqual(["m1", "m1", "m2", "m3"]);
    expect(log[1]!.headers["webhook-id"]).toBe(log[0]!.headers["webhook-id"]);
    const verifier = new Webhook(secret);
    for (const d of log) verifier.verify(d.body, d.headers);

    await waitFor(async () => {
      const list = await call<{ deliveries: { status: string }[] }>(`/v1/webhook-endpoints/${id}/deliveries`, await admin());
      return list.body.deliveries.length === 3 && list.body.deliveries.every((d) => d.status === "succeeded");
    }, "all three listed as succeeded");
  });
});
