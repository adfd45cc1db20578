// Lifecycle: an attachment uploaded but never sent is deleted by the
// Conversation DO's alarm 24 h after its upload began (row and R2 object);
// a sent one stays; deleting a person's files removes what they uploaded.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { deletePersonFiles } from "../../src/attachments/erasure";
import { BOT_KEY, api, openConversation, openSession, uniqueUser } from "./helpers";
import { pdf, png, uploaded } from "./attachment-files";

const DAY_MS = 24 * 60 * 60 * 1000;

function sendMedia(token: string, conversationId: string, attachmentId: string, mediaType = "image", sender?: unknown) {
  return api(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    token,
    json: { clientId: crypto.randomUUID(), content: { type: "media", mediaType, attachmentId }, ...(sender ? { sender } : {}) },
  });
}

describe("attachment lifecycle", () => {
  it("deletes never-sent uploads 24 h after they began, by alarm, and keeps sent ones", async () => {
    const userId = uniqueUser();
    const { sessionToken: token } = await openSession(userId);
    const conversationId = await openConversation(token);
    const sent = await uploaded(token, conversationId, await png(), "image/png", "sent.png");
    const unsent = await uploaded(token, conversationId, await png(), "image/png", "unsent.png");
    expect((await sendMedia(token, conversationId, sent.id)).status).toBe(201);

    const stub = env.CONVERSATION.getByName(`demo:${conversationId}`);
    // An alarm is set for the sweep (24 h ahead, or earlier for another job).
    const alarm = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + DAY_MS);

    // Not yet due: the alarm leaves both.
    await runInDurableObject(stub, (_o, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    expect((await api(`/v1/attachments/${unsent.id}`, { token, redirect: "manual" })).status).toBe(302);

    // A day later (the rows and the DO's named timers aged by a day), the alarm deletes the unsent one.
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE attachments SET created_at = created_at - ?", DAY_MS);
      state.storage.sql.exec("UPDATE timers SET at = at - ?", DAY_MS);
    });
    await runInDurableObject(stub, (_o, state) => state.storage.setAlarm(Date.now()));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await api(`/v1/attachments/${unsent.id}`, { token, redirect: "manual" })).status).toBe(404);
    expect(await env.ATTACHMENTS.head(`demo/${conversationId}/${unsent.id}`)).toBeNull();
    expect((await api(`/v1/attachments/${sent.id}`, { token, redirect: "manual" })).status).toBe(302);
    expect(await env.ATTACHMENTS.head(`demo/${conversationId}/${sent.id}`)).not.toBeNull();
    // An unsent attachment cannot be sent after it was swept.
    expect((await sendMedia(token, conversationId, unsent.id)).status).toBe(400);
  });

  it("deletePersonFiles removes every file the person uploaded in their threads, and nothing of anyone else", async () => {
    const alice = uniqueUser();
    const bob = uniqueUser();
    const a = await openSession(alice);
    const b = await openSession(bob);
    const aliceThread = await openConversation(a.sessionToken);
    const bobThread = await openConversation(b.sessionToken);
    const mine = await uploaded(a.sessionToken, aliceThread, await png(), "image/png", "me.png");
    const invoice = await uploaded(BOT_KEY, aliceThread, pdf(), "application/pdf", "invoice.pdf");
    const bobs = await uploaded(b.sessionToken, bobThread, await png(), "image/png", "bob.png");
    expect((await sendMedia(a.sessionToken, aliceThread, mine.id)).status).toBe(201);
    // The thread list is pushed just after the write; wait until it lists the thread.
    for (let i = 0; i < 100; i++) {
      const list = await env.CUSTOMER.getByName(`demo:${alice}`).listThreads();
      if (list.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await deletePersonFiles(env, "demo", alice)).toBe(1);
    expect(await env.ATTACHMENTS.head(`demo/${aliceThread}/${mine.id}`)).toBeNull();
    expect((await api(`/v1/attachments/${mine.id}`, { token: a.sessionToken, redirect: "manual" })).status).toBe(404);
    expect(await env.ATTACHMENTS.head(`demo/${aliceThread}/${invoice.id}`)).not.toBeNull();
    expect(await env.ATTACHMENTS.head(`demo/${bobThread}/${bobs.id}`)).not.toBeNull();
    expect(await deletePersonFiles(env, "demo", alice)).toBe(0);
  });
});
