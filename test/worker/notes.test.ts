// Internal notes live beside the customer log, never in it: their own ids,
// `afterSeq` placing them in the agent's transcript, business routes and
// business sockets only. No customer route or frame ever carries one.
import { describe, expect, it } from "vitest";
import { agentSession, call, ok } from "./business-helpers";
import { ADMIN_KEY, BOT_KEY, eventually, openConversation, openSession, send, uniqueUser } from "./helpers";
import { myThreads, problemOf } from "./identity-helpers";
import { openReady } from "./live-helpers";

interface Note {
  id: string;
  afterSeq: number;
  at: string;
  sender: { role: string; id: string; name?: string };
  text: string;
}

const SECRET = "customer seems upset, offer the voucher";

describe("internal notes", () => {
  it("are written by business callers, idempotent by clientId, listed with ?after=", async () => {
    const customer = await openSession(uniqueUser());
    const id = await openConversation(customer.sessionToken);
    await send(customer.sessionToken, id, "c1", "my bike is broken");
    const agent = await agentSession(uniqueUser("agent"), { name: "Sam" });

    const res = await call("POST", `/v1/conversations/${id}/notes`, agent.sessionToken, { clientId: "n1", text: SECRET });
    const { note } = await ok<{ note: Note }>(res, 201);
    expect(note).toMatchObject({ afterSeq: 1, sender: { role: "agent", id: agent.agent.id, name: "Sam" }, text: SECRET });
    expect(note.id).toMatch(/^note_/);
    const retry = await ok<{ note: Note }>(await call("POST", `/v1/conversations/${id}/notes`, agent.sessionToken, { clientId: "n1", text: SECRET }));
    expect(retry.note.id).toBe(note.id);
    expect((await call("POST", `/v1/conversations/${id}/notes`, agent.sessionToken, { clientId: "n1", text: "other" })).status).toBe(409);
    // An agent session cannot write as someone else; an API key may name its writer.
    expect((await call("POST", `/v1/conversations/${id}/notes`, agent.sessionToken, { clientId: "n2", text: "x", sender: { role: "bot", id: "b" } })).status).toBe(400);
    const byKey = await ok<{ note: Note }>(
      await call("POST", `/v1/conversations/${id}/notes`, BOT_KEY, { clientId: "n2", text: "bot summary", sender: { role: "bot", id: "triage" } }),
      201,
    );
    expect(byKey.note.sender).toEqual({ role: "bot", id: "triage" });
    expect((await call("POST", `/v1/conversations/${id}/notes`, BOT_KEY, { clientId: "n3", text: "" })).status).toBe(400);

    const all = await ok<{ notes: Note[]; cursor: string; hasMore: boolean }>(await call("GET", `/v1/conversations/${id}/notes`, BOT_KEY));
    expect(all.notes.map((n) => n.id)).toEqual([note.id, byKey.note.id]);
    const first = await ok<{ notes: Note[]; cursor: string; hasMore: boolean }>(await call("GET", `/v1/conversations/${id}/notes?limit=1`, BOT_KEY));
    expect(first).toMatchObject({ cursor: note.id, hasMore: true });
    const rest = await ok<{ notes: Note[] }>(await call("GET", `/v1/conversations/${id}/notes?after=${first.cursor}`, BOT_KEY));
    expect(rest.notes.map((n) => n.id)).toEqual([byKey.note.id]);
    expect((await call("GET", `/v1/conversations/${id}/notes?after=note_nope`, BOT_KEY)).status).toBe(400);
  });

  it("reach business sockets and never a customer route or frame", async () => {
    const customer = await openSession(uniqueUser());
    const id = await openConversation(customer.sessionToken);
    await send(customer.sessionToken, id, "c1", "hello");
    const phone = await openReady(id, customer.sessionToken);
    const bot = await openReady(id, BOT_KEY);

    const { note } = await ok<{ note: Note }>(
      await call("POST", `/v1/conversations/${id}/notes`, ADMIN_KEY, { clientId: "n1", text: SECRET, sender: { role: "agent", id: "sam" } }),
      201,
    );
    expect(await bot.next()).toEqual({ type: "note", note });
    await send(customer.sessionToken, id, "c2", "still there?");

    // Customer routes: 403 on notes, and nothing of the note anywhere they can read.
    expect(await problemOf(await call("GET", `/v1/conversations/${id}/notes`, customer.sessionToken))).toMatchObject({ status: 403 });
    expect((await call("POST", `/v1/conversations/${id}/notes`, customer.sessionToken, { clientId: "n9", text: "x" })).status).toBe(403);
    const reads = [
      await call("GET", `/v1/conversations/${id}`, customer.sessionToken),
      await call("GET", `/v1/conversations/${id}/events?after=0`, customer.sessionToken),
      await call("GET", `/v1/conversations/${id}/events?before=100`, customer.sessionToken),
    ];
    for (const res of reads) {
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(note.id);
    }
    const list = await eventually(() => myThreads(customer.sessionToken), (t) => t[0]?.lastSeq === 2);
    expect(JSON.stringify(list)).not.toContain(SECRET);
    // The log stays gap-free: the note took no seq.
    const log = await ok<{ events: { seq: number }[] }>(await call("GET", `/v1/conversations/${id}/events`, customer.sessionToken));
    expect(log.events.map((e) => e.seq)).toEqual([1, 2]);

    // Frames: the socket that was open, and a new one replaying everything.
    await phone.drain();
    const fresh = await openReady(id, customer.sessionToken, 0);
    await fresh.drain();
    for (const socket of [phone, fresh]) {
      expect(socket.frames.some((f) => f.type === "note")).toBe(false);
      expect(socket.raw.join("\n")).not.toContain(SECRET);
    }
  });
});
