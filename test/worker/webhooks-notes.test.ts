// Internal notes reach business webhooks as `note.created` (API.md
// "Webhooks"), signed like every delivery, and only endpoints subscribed to it.
import { describe, expect, it } from "vitest";
import { call, ok } from "./business-helpers";
import { addEndpoint, customer, newTenant, received, receivedAtLeast, say, verify } from "./webhook-helpers";

describe("note.created webhooks", { timeout: 30_000 }, () => {
  it("delivers a note to note.created endpoints only, signed", async () => {
    const tenant = await newTenant();
    const notes = await addEndpoint(tenant, ["note.created"]);
    const messages = await addEndpoint(tenant, ["message.created"]);
    const c = await customer(tenant);
    const { note } = await ok<{ note: { id: string; afterSeq: number; at: string } }>(
      await call("POST", `/v1/conversations/${c.conversationId}/notes`, tenant.botKey, { clientId: "n1", text: "VIP, refund ok", sender: { role: "bot", id: "triage" } }),
      201,
    );
    // A retried note (same clientId) is not a second delivery.
    await ok(await call("POST", `/v1/conversations/${c.conversationId}/notes`, tenant.botKey, { clientId: "n1", text: "VIP, refund ok", sender: { role: "bot", id: "triage" } }));
    await say(c.token, c.conversationId, "after the note");

    const [delivery] = await receivedAtLeast(notes.bin, 1);
    const payload = verify(notes.secret, delivery!) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: "note.created",
      tenant: tenant.id,
      conversationId: c.conversationId,
      data: { note: { id: note.id, afterSeq: note.afterSeq, at: note.at, text: "VIP, refund ok", sender: { role: "bot", id: "triage" } } },
    });
    expect(payload).not.toHaveProperty("standby");

    const got = await receivedAtLeast(messages.bin, 1);
    expect(got.map((d) => d.json.type)).toEqual(["message.created"]);
    expect((await received(notes.bin)).map((d) => d.json.type)).toEqual(["note.created"]);
  });
});
