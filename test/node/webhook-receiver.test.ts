// carryover/testing's webhook receiver: deliveries signed with the
// `standardwebhooks` library, as API.md "Webhooks" describes Carryover's, are
// recorded and handed to waitFor by type; anything unsigned is refused.
import { createServer } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookReceiver, type WebhookReceiver } from "../../src/testing/index.ts";

const SECRET = `whsec_${Buffer.from("carryover-receiver-test-key-0123456789").toString("base64")}`;
const OTHER = `whsec_${Buffer.from("some-other-endpoint-key-0123456789abcd").toString("base64")}`;

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

interface Sent {
  status: number;
  id: string;
}

let counter = 0;
/** POSTs a delivery the way Carryover's outbox does: JSON body plus Standard Webhooks headers. */
async function deliver(url: string, type: string, options: { secrets?: string[]; id?: string; data?: Record<string, unknown>; seq?: number } = {}): Promise<Sent> {
  const id = options.id ?? `msg_${++counter}_${crypto.randomUUID()}`;
  const body = JSON.stringify({ id, type, tenant: "shop", conversationId: "cnv_1", seq: options.seq ?? counter, timestamp: new Date().toISOString(), data: options.data ?? {} });
  const now = new Date();
  const signatures = (options.secrets ?? [SECRET]).map((s) => new Webhook(s).sign(id, now, body));
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signatures.join(" "),
    },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, id };
}

describe("webhook receiver", () => {
  it("hands a signed delivery to a waiter, whether it arrives after the call or before it", async () => {
    receiver = await createWebhookReceiver({ secret: SECRET });
    const waiting = receiver.waitFor("message.created");
    const sent = await deliver(receiver.url, "message.created", { data: { text: "hi" } });
    expect(sent.status).toBe(204);
    const got = await waiting;
    expect(got.id).toBe(sent.id);
    expect(got.body.data).toEqual({ text: "hi" });
    expect(got.headers["webhook-id"]).toBe(sent.id);

    const early = await deliver(receiver.url, "message.created", { data: { text: "early" } });
    const later = await receiver.waitFor("message.created");
    expect(later.id).toBe(early.id);
    expect(receiver.deliveries.map((d) => d.id)).toEqual([sent.id, early.id]);
  });

  it("waits by type and by predicate, each delivery returned once, in arrival order", async () => {
    receiver = await createWebhookReceiver({ secret: SECRET });
    const a = await deliver(receiver.url, "message.created", { data: { n: 1 } });
    const r = await deliver(receiver.url, "read");
    const b = await deliver(receiver.url, "message.created", { data: { n: 2 } });
    expect((await receiver.waitFor("read")).id).toBe(r.id);
    expect((await receiver.waitFor("message.created", { match: (d) => d.body.data.n === 2 })).id).toBe(b.id);
    expect((await receiver.waitFor("message.created")).id).toBe(a.id);
    await expect(receiver.waitFor("message.created", { timeoutMs: 200 })).rejects.toThrow(/no message.created webhook within 200 ms/);
  });

  it("returns a retried delivery (same webhook-id) only once", async () => {
    receiver = await createWebhookReceiver({ secret: SECRET });
    const first = await deliver(receiver.url, "message.created");
    await deliver(receiver.url, "message.created", { id: first.id });
    const next = await deliver(receiver.url, "message.created");
    expect((await receiver.waitFor("message.created")).id).toBe(first.id);
    expect((await receiver.waitFor("message.created")).id).toBe(next.id);
    expect(receiver.deliveries).toHaveLength(3);
  });

  it("refuses a wrong signature with 401 and never hands it out", async () => {
    receiver = await createWebhookReceiver({ secret: SECRET });
    const forged = await deliver(receiver.url, "message.created", { secrets: [OTHER] });
    expect(forged.status).toBe(401);
    expect(receiver.rejected).toHaveLength(1);
    expect(receiver.rejected[0]?.reason).toMatch(/signature/);
    const unsigned = await fetch(receiver.url, { method: "POST", body: JSON.stringify({ id: "msg_x", type: "message.created", tenant: "shop" }) });
    expect(unsigned.status).toBe(401);
    await expect(receiver.waitFor("message.created", { timeoutMs: 200 })).rejects.toThrow(/refused: 2/);
    expect(receiver.deliveries).toHaveLength(0);
  });

  it("accepts a delivery during a secret rotation (two signatures, one of them with its secret)", async () => {
    receiver = await createWebhookReceiver();
    const early = await deliver(receiver.url, "ping");
    expect(early.status).toBe(503);
    receiver.setSecret(SECRET);
    const rotated = await deliver(receiver.url, "ping", { secrets: [OTHER, SECRET] });
    expect(rotated.status).toBe(204);
    expect((await receiver.waitFor("ping")).id).toBe(rotated.id);
  });

  it("answers with the status the test chooses", async () => {
    receiver = await createWebhookReceiver({ secret: SECRET, status: (d) => (d.body.data.fail ? 500 : 200) });
    expect((await deliver(receiver.url, "message.created", { data: { fail: true } })).status).toBe(500);
    expect((await deliver(receiver.url, "message.created")).status).toBe(200);
  });

  it("close() rejects pending waits and frees the port", async () => {
    receiver = await createWebhookReceiver({ secret: SECRET });
    const port = Number(new URL(receiver.url).port);
    const pending = receiver.waitFor("read", { timeoutMs: 5_000 });
    await receiver.close();
    await expect(pending).rejects.toThrow(/closed/);
    receiver = undefined;
    await new Promise<void>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
    });
  });
});
