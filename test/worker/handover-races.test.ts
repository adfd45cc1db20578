// Handover with teeth: ifEpoch, previousOwner, metadata; of two concurrent
// takes exactly one wins; a bot on standby is refused naming the owner; an
// agent's message takes the thread; an idle agent's thread returns to the
// bot by alarm, with the object evicted and no request running.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentSession, call, ok } from "./business-helpers";
import { api, BOT_KEY, eventually, identityToken, json, openConversation, openSession, send, uniqueUser } from "./helpers";
import { createTenant, problemOf } from "./identity-helpers";
import { botSend, text } from "./live-helpers";

interface Answer {
  conversation: { owner: string; ownerAgent: string | null; ownerEpoch: number };
  event: { seq: number; reason?: string; previousOwner?: unknown; ownerEpoch?: number; metadata?: unknown; changes?: unknown } | null;
}

interface Problem {
  status: number;
  code: string;
  ownerEpoch?: number;
  owner?: { owner: string; agentId?: string };
}

async function thread(): Promise<{ id: string; customer: string }> {
  const s = await openSession(uniqueUser());
  return { id: await openConversation(s.sessionToken), customer: s.sessionToken };
}

function handover(id: string, token: string, body: unknown): Promise<Response> {
  return call("POST", `/v1/conversations/${id}/handover`, token, body);
}

describe("handover", () => {
  it("carries previousOwner, ownerEpoch and metadata (business only); a stale ifEpoch is 409 with the epoch", async () => {
    const { id, customer } = await thread();
    const sam = await agentSession(uniqueUser("sam"));
    const take = await ok<Answer>(await handover(id, sam.sessionToken, { owner: "agent", ifEpoch: 0, reason: "vip", metadata: { summary: "wants a refund" } }));
    expect(take.conversation).toMatchObject({ owner: "agent", ownerAgent: sam.agent.id, ownerEpoch: 1 });
    expect(take.event).toMatchObject({
      reason: "vip",
      previousOwner: { owner: "bot" },
      ownerEpoch: 1,
      metadata: { summary: "wants a refund" },
      changes: { owner: ["bot", "agent"], ownerAgent: [null, sam.agent.id], ownerEpoch: [0, 1] },
    });
    const seen = await json<{ events: Record<string, unknown>[] }>(await api(`/v1/conversations/${id}/events`, { token: customer }));
    expect(seen.events[0]).toMatchObject({ owner: "agent", previousOwner: { owner: "bot" } });
    expect(seen.events[0]).not.toHaveProperty("metadata");

    const stale = await handover(id, BOT_KEY, { owner: "bot", ifEpoch: 0 });
    expect(await json<Problem>(stale)).toMatchObject({ status: 409, code: "conflict", ownerEpoch: 1, owner: { owner: "agent", agentId: sam.agent.id } });
    const back = await ok<Answer>(await handover(id, BOT_KEY, { owner: "bot", ifEpoch: 1 }));
    expect(back.event).toMatchObject({ previousOwner: { owner: "agent", agentId: sam.agent.id }, ownerEpoch: 2 });

    const big = { blob: "x".repeat(1100) };
    expect(await problemOf(await handover(id, BOT_KEY, { owner: "agent", metadata: big }))).toMatchObject({ status: 400 });
    expect((await handover(id, BOT_KEY, { owner: "agent", ifEpoch: -1 })).status).toBe(400);
  });

  it("of two concurrent takes exactly one wins; the other gets 409 naming the winner", async () => {
    for (const ifEpoch of [0, undefined]) {
      const { id } = await thread();
      const [a, b] = await Promise.all([agentSession(uniqueUser("ann")), agentSession(uniqueUser("bob"))]);
      const body = ifEpoch === undefined ? { owner: "agent" } : { owner: "agent", ifEpoch };
      const results = await Promise.all([handover(id, a.sessionToken, body), handover(id, b.sessionToken, body)]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409]);
      const winner = results[0]!.status === 200 ? a : b;
      const loser = results[0]!.status === 200 ? results[1]! : results[0]!;
      expect(await json<Problem>(loser)).toMatchObject({ code: "conflict", ownerEpoch: 1, owner: { owner: "agent", agentId: winner.agent.id } });
      const now = await ok<{ conversation: Answer["conversation"] }>(await call("GET", `/v1/conversations/${id}`, BOT_KEY));
      expect(now.conversation).toMatchObject({ ownerAgent: winner.agent.id, ownerEpoch: 1 });
    }
  });

  it("does not let an agent send a colleague's thread back to the bot by accident: that needs ifEpoch too", async () => {
    const { id } = await thread();
    const [zoe, sam] = await Promise.all([agentSession(uniqueUser("zoe")), agentSession(uniqueUser("sam"))]);
    await ok(await handover(id, zoe.sessionToken, { owner: "agent", ifEpoch: 0 }));
    expect(await json<Problem>(await handover(id, sam.sessionToken, { owner: "bot" }))).toMatchObject({
      code: "conflict",
      owner: { owner: "agent", agentId: zoe.agent.id },
      ownerEpoch: 1,
    });
    // Deliberately, with the epoch seen: allowed. The owner herself, or the business's own systems (an API key): no epoch needed.
    expect((await ok<Answer>(await handover(id, sam.sessionToken, { owner: "bot", ifEpoch: 1 }))).conversation).toMatchObject({ owner: "bot", ownerEpoch: 2 });
    await ok(await handover(id, zoe.sessionToken, { owner: "agent", ifEpoch: 2 }));
    expect((await ok<Answer>(await handover(id, zoe.sessionToken, { owner: "bot" }))).conversation).toMatchObject({ owner: "bot", ownerEpoch: 4 });
    await ok(await handover(id, zoe.sessionToken, { owner: "agent", ifEpoch: 4 }));
    expect((await ok<Answer>(await handover(id, BOT_KEY, { owner: "bot" }))).conversation).toMatchObject({ owner: "bot", ownerEpoch: 6 });
  });

  it("puts the bot on standby while an agent owns the thread; an agent's message takes it", async () => {
    const { id } = await thread();
    const sam = await agentSession(uniqueUser("sam"));
    expect((await botSend(id, "b1", "hello from the bot")).status).toBe(201);

    const said = await ok<{ event: { seq: number } }>(
      await call("POST", `/v1/conversations/${id}/messages`, sam.sessionToken, { clientId: "s1", content: text("Sam here") }),
      201,
    );
    const log = await ok<{ events: { seq: number; type: string; reason?: string; sender: { id: string } }[] }>(await call("GET", `/v1/conversations/${id}/events`, BOT_KEY));
    expect(log.events.slice(-2).map((e) => [e.seq, e.type, e.reason ?? null])).toEqual([
      [said.event.seq, "message.created", null],
      [said.event.seq + 1, "conversation.updated", "agent_message"],
    ]);
    expect(log.events.at(-1)!.sender.id).toBe(sam.agent.id);

    const refused = await botSend(id, "b2", "can I help?");
    expect(await json<Problem>(refused)).toMatchObject({ status: 409, code: "conflict", owner: { owner: "agent", agentId: sam.agent.id }, ownerEpoch: 1 });
    // Nor can the bot's key get round its standby by naming itself an agent: it would read to the customer as a human.
    const disguised = await call("POST", `/v1/conversations/${id}/messages`, BOT_KEY, {
      clientId: "b3",
      content: text("I am a human"),
      sender: { role: "agent", id: "jane", name: "Jane from Support" },
    });
    expect(await json<Problem>(disguised)).toMatchObject({ status: 403, code: "forbidden" });
    // Nothing was written for the refused message.
    const after = await ok<{ events: unknown[] }>(await call("GET", `/v1/conversations/${id}/events`, BOT_KEY));
    expect(after.events).toHaveLength(log.events.length);
    // A second agent message is just a message.
    await ok(await call("POST", `/v1/conversations/${id}/messages`, sam.sessionToken, { clientId: "s2", content: text("again") }), 201);
    const last = await ok<{ conversation: Answer["conversation"] }>(await call("GET", `/v1/conversations/${id}`, BOT_KEY));
    expect(last.conversation.ownerEpoch).toBe(1);
  });

  it("returns an idle agent's thread to the bot by alarm (handover.idleReturnMinutes)", async () => {
    const tenant = await createTenant({ settings: { handover: { idleReturnMinutes: 0.02 } } }); // 1.2 s
    const session = await json<{ sessionToken: string }>(
      await api("/v1/sessions", { method: "POST", json: { tenant: tenant.id, identityToken: await identityToken("zoe", { secret: tenant.secret, iss: tenant.id }) } }),
    );
    const id = await openConversation(session.sessionToken);
    const sam = await agentSession("sam", { tenant: tenant.id, secret: tenant.secret });
    await ok(await handover(id, sam.sessionToken, { owner: "agent" }));

    // The agent answers in time: no return.
    await send(session.sessionToken, id, "q1", "hello?");
    await ok(await call("POST", `/v1/conversations/${id}/messages`, sam.sessionToken, { clientId: "a1", content: text("here") }), 201);
    await new Promise((r) => setTimeout(r, 1_600));
    const owned = await ok<{ conversation: Answer["conversation"] }>(await call("GET", `/v1/conversations/${id}`, tenant.apiKey));
    expect(owned.conversation.owner).toBe("agent");

    // The customer writes and the agent stays silent: back to the bot, by alarm alone.
    await send(session.sessionToken, id, "q2", "anyone?");
    await evictDurableObject(env.CONVERSATION.getByName(`${tenant.id}:${id}`));
    await new Promise((r) => setTimeout(r, 2_000));
    const returned = await eventually(
      async () => (await ok<{ conversation: Answer["conversation"] }>(await call("GET", `/v1/conversations/${id}`, tenant.apiKey))).conversation,
      (c) => c.owner === "bot",
    );
    expect(returned).toMatchObject({ owner: "bot", ownerAgent: null, ownerEpoch: 2 });
    const log = await ok<{ events: { reason?: string; previousOwner?: unknown }[] }>(await call("GET", `/v1/conversations/${id}/events`, tenant.apiKey));
    expect(log.events.at(-1)).toMatchObject({ reason: "idle_timeout", previousOwner: { owner: "agent", agentId: "sam" } });
  });

  it("validates the tenant setting", async () => {
    await expect(createTenant({ settings: { handover: { idleReturnMinutes: -1 } } })).rejects.toThrow(/400/);
    const never = await createTenant({ settings: { handover: { idleReturnMinutes: null } } });
    expect(never.id).toBeTruthy();
  });
});
