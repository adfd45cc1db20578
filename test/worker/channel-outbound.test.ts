// Business messages out through the platforms' send APIs: the exact
// requests, seq order, retries after 500 and rate limits, an expired token
// failing visibly while the thread works on the website, Messenger's
// 24-hour window, and platform receipts moving the read cursor.
import { describe, expect, it } from "vitest";
import { api, eventually, json } from "./helpers";
import {
  GRAPH,
  channelTenant,
  deliveriesOf,
  eventsOf,
  graphError,
  graphOk,
  messaging,
  messengerBody,
  messengerThread,
  mockGraph,
  postWebhook,
  sendAs,
  seqOf,
  uniquePsid,
  waTimestamp,
  whatsappBody,
  whatsappThread,
  type ChannelTenant,
  type Delivery,
} from "./channel-helpers";

function settled(t: ChannelTenant, conversationId: string, count: number, done: (d: Delivery) => boolean = (d) => d.status !== "pending"): Promise<Delivery[]> {
  return eventually(
    () => deliveriesOf(t, conversationId),
    (ds) => ds.length >= count && ds.slice(0, count).every(done),
  );
}

describe("business messages out", () => {
  it("go to Messenger's Send API as the exact request, and show as delivered", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const { psid, conversationId } = await messengerThread(t);
    const seq = await seqOf(
      await sendAs(t, conversationId, "bot", {
        type: "text",
        text: "Thanks! How can we help today?",
        quickReplies: [
          { title: "Track my order", payload: "TRACK_ORDER" },
          { title: "Talk to a real person right now", payload: "HUMAN" },
        ],
      }),
    );
    const [delivery] = await settled(t, conversationId, 1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`${GRAPH}/${t.pageId}/messages`);
    expect(calls[0]!.authorization).toBe(`Bearer ${t.pageToken}`);
    expect(calls[0]!.body).toEqual({
      recipient: { id: psid },
      messaging_type: "RESPONSE",
      message: {
        text: "Thanks! How can we help today?",
        quick_replies: [
          { content_type: "text", title: "Track my order", payload: "TRACK_ORDER" },
          { content_type: "text", title: "Talk to a real pers…", payload: "HUMAN" },
        ],
      },
    });
    expect(delivery).toMatchObject({ seq, status: "succeeded", attempts: 1, lastStatus: 200, lastError: null });
    expect(delivery!.platformMessageIds).toHaveLength(1);
  });

  it("go to WhatsApp's Cloud API as the exact requests", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const { waId, conversationId } = await whatsappThread(t);
    await seqOf(await sendAs(t, conversationId, "agent", { type: "buttons", text: "Pick a slot", buttons: [{ type: "postback", title: "Tomorrow 9:00", payload: "SLOT_9" }] }));
    await settled(t, conversationId, 1);
    expect(calls).toEqual([
      {
        url: `${GRAPH}/${t.phoneNumberId}/messages`,
        authorization: `Bearer ${t.waToken}`,
        body: {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: waId,
          type: "interactive",
          interactive: { type: "button", body: { text: "Pick a slot" }, action: { buttons: [{ type: "reply", reply: { id: "SLOT_9", title: "Tomorrow 9:00" } }] } },
        },
      },
    ]);
  });

  it("give WhatsApp card buttons alike in title or payload their own title and id, and a tap brings back the bot's payload", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const { waId, conversationId } = await whatsappThread(t);
    const ts = waTimestamp;

    // Two cards, each with a "Buy": WhatsApp wants every button title of a message unique, and so does the person.
    await seqOf(
      await sendAs(t, conversationId, "bot", {
        type: "cards",
        cards: [
          { title: "Red bike", buttons: [{ type: "postback", title: "Buy", payload: "BUY_RED" }] },
          { title: "Blue bike", buttons: [{ type: "postback", title: "Buy", payload: "BUY_BLUE" }] },
        ],
      }),
    );
    // Card titles alike once cut, and one payload for both: numbered, in a list whose rows show each card in full.
    await seqOf(
      await sendAs(t, conversationId, "bot", {
        type: "cards",
        cards: [
          { title: "Roadster 7 Carbon Edition", buttons: [{ type: "postback", title: "Reserve", payload: "RESERVE" }] },
          { title: "Roadster 7 Carbon Edition 2026", buttons: [{ type: "postback", title: "Reserve", payload: "RESERVE" }] },
        ],
      }),
    );
    await settled(t, conversationId, 2);
    expect(calls.map((c) => c.body.interactive)).toEqual([
      {
        type: "button",
        body: { text: "*Red bike*\n\n*Blue bike*" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "BUY_RED", title: "Red bike: Buy" } },
            { type: "reply", reply: { id: "BUY_BLUE", title: "Blue bike: Buy" } },
          ],
        },
      },
      {
        type: "list",
        body: { text: "*Roadster 7 Carbon Edition*\n\n*Roadster 7 Carbon Edition 2026*" },
        action: {
          button: "Options",
          sections: [
            {
              rows: [
                { id: "RESERVE", title: "Reserve (1)", description: "Roadster 7 Carbon Edition" },
                { id: "carryover:dup:2:RESERVE", title: "Reserve (2)", description: "Roadster 7 Carbon Edition 2026" },
              ],
            },
          ],
        },
      },
    ]);

    // The person taps the second row: the bot gets the payload it sent, the log says which one was tapped.
    const tap = whatsappBody(t, {
      messages: [
        {
          from: waId,
          id: `wamid.${crypto.randomUUID()}`,
          timestamp: ts(),
          type: "interactive",
          interactive: { type: "list_reply", list_reply: { id: "carryover:dup:2:RESERVE", title: "Reserve (2)", description: "Roadster 7 Carbon Edition 2026" } },
        },
      ],
    });
    expect((await postWebhook(t, "whatsapp", tap)).status).toBe(200);
    const events = await eventually(() => eventsOf(t, conversationId), (e) => e.some((x) => x.content?.type === "postback"));
    expect(events.find((e) => e.content?.type === "postback")?.content).toEqual({ type: "postback", payload: "RESERVE", title: "Reserve (2)" });
  });

  it("are retried after a 500 and a rate limit, in seq order", async () => {
    const t = await channelTenant();
    const answers = [
      () => new Response("upstream broke", { status: 500 }),
      () => graphError(400, 613, "Calls to this api have exceeded the rate limit."),
    ];
    const { calls } = mockGraph((call, i) => (answers[i] ?? graphOk)(call));
    const { conversationId } = await messengerThread(t);
    const first = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "one" }));
    await settled(t, conversationId, 1, (d) => d.attempts === 1);
    const second = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "two" }));
    // The second waits behind the first: the person sees them in order.
    const waiting = await eventually(() => deliveriesOf(t, conversationId), (ds) => ds.length === 2);
    expect(waiting).toMatchObject([
      { seq: first, status: "pending", attempts: 1, lastStatus: 500 },
      { seq: second, status: "pending", attempts: 0 },
    ]);
    expect(calls).toHaveLength(1);

    const retry = await api(`/v1/conversations/${conversationId}/channel-deliveries/${first}/retry`, { method: "POST", token: t.adminKey });
    expect(retry.status).toBe(202);
    const limited = await settled(t, conversationId, 1, (d) => d.attempts === 2);
    expect(limited[0]).toMatchObject({ status: "pending", lastStatus: 400 });
    expect(limited[0]!.lastError).toContain("code 613");

    expect((await api(`/v1/conversations/${conversationId}/channel-deliveries/${first}/retry`, { method: "POST", token: t.adminKey })).status).toBe(202);
    const done = await settled(t, conversationId, 2);
    expect(done.map((d) => [d.seq, d.status, d.attempts])).toEqual([
      [first, "succeeded", 3],
      [second, "succeeded", 1],
    ]);
    expect(calls.map((c) => (c.body.message as { text: string }).text)).toEqual(["one", "one", "one", "two"]);
  });

  it("fail visibly with an expired token, while the thread works on the website", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph(() => graphError(400, 190, "Error validating access token: Session has expired.", 463));
    const { conversationId, psid } = await messengerThread(t);
    const seq = await seqOf(await sendAs(t, conversationId, "agent", { type: "text", text: "Your bike is ready" }));
    const [failed] = await settled(t, conversationId, 1);
    expect(failed).toMatchObject({ seq, status: "failed", attempts: 1, lastStatus: 400 });
    expect(failed!.lastError).toMatch(/access token is expired or invalid/);
    expect(calls).toHaveLength(1);

    // The business sends the person to the website; the thread goes on there.
    const handoff = await api(`/v1/conversations/${conversationId}/handoff`, { method: "POST", token: t.adminKey });
    expect(handoff.status).toBe(201);
    const { handoffToken, url } = await json<{ handoffToken: string; url: string }>(handoff);
    expect(url).toContain(`tenant=${t.id}`);
    const session = await api("/v1/sessions", { method: "POST", json: { tenant: t.id, handoffToken } });
    expect(session.status).toBe(201);
    const { sessionToken, conversationId: opened, user } = await json<{ sessionToken: string; conversationId: string; user: { id: string } }>(session);
    expect(opened).toBe(conversationId);
    expect(user.id).toBe(`msgr_${psid}`);
    const page = await json<{ events: { type: string; content?: { text?: string } }[] }>(await api(`/v1/conversations/${conversationId}/events`, { token: sessionToken }));
    // Messages only: the thread's log also holds its state changes (an agent's message takes the thread over).
    const messages = page.events.filter((e) => e.type === "message.created");
    expect(messages.map((e) => e.content?.text)).toEqual(["hello", "Your bike is ready"]);
    const web = await api(`/v1/conversations/${conversationId}/messages`, { method: "POST", token: sessionToken, json: { clientId: "w1", content: { type: "text", text: "on the website now" } } });
    expect(web.status).toBe(201);
  });

  it("follow Messenger's 24-hour window: HUMAN_AGENT tag for agents, refusal for bots", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const { psid, conversationId } = await messengerThread(t, uniquePsid(), Date.now() - 25 * 60 * 60 * 1000);
    const botSeq = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "A bot, late" }));
    const [refused] = await settled(t, conversationId, 1);
    expect(refused).toMatchObject({ seq: botSeq, status: "failed", attempts: 1, lastStatus: null });
    expect(refused!.lastError).toMatch(/24-hour messaging window/);
    expect(calls).toHaveLength(0);

    await seqOf(await sendAs(t, conversationId, "agent", { type: "text", text: "Sam here, sorry for the wait" }));
    await settled(t, conversationId, 2);
    expect(calls.map((c) => c.body)).toEqual([
      { recipient: { id: psid }, messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT", message: { text: "Sam here, sorry for the wait" } },
    ]);
  });

  it("move the read cursor on platform read receipts", async () => {
    const t = await channelTenant();
    mockGraph();
    const { psid, conversationId } = await messengerThread(t);
    const seq = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "seen?" }));
    await settled(t, conversationId, 1);
    const delivered = messaging(t, psid, { delivery: { mids: [], watermark: Date.now() + 1000 } });
    const read = messaging(t, psid, { read: { watermark: Date.now() + 1000 } });
    expect((await postWebhook(t, "messenger", messengerBody(t, [delivered, read]))).status).toBe(200);
    const [receipt] = await settled(t, conversationId, 1, (d) => d.readAt !== null);
    expect(receipt!.deliveredAt).not.toBeNull();
    const view = await eventually(
      async () => json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${conversationId}`, { token: t.adminKey })),
      (v) => v.reads[`msgr_${psid}`] === seq,
    );
    expect(view.reads[`msgr_${psid}`]).toBe(seq);
  });

  it("carry cards as a generic template (share buttons dropped), never the customer's own messages", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const { conversationId } = await messengerThread(t);
    await seqOf(await sendAs(t, conversationId, "bot", { type: "cards", cards: [{ title: "Roadster 7", subtitle: "7 gears", buttons: [{ type: "share" }, { type: "url", title: "View", url: "https://shop.example/roadster" }] }] }));
    await settled(t, conversationId, 1);
    expect(calls.map((c) => c.body.message)).toEqual([
      {
        attachment: {
          type: "template",
          payload: { template_type: "generic", elements: [{ title: "Roadster 7", subtitle: "7 gears", buttons: [{ type: "web_url", url: "https://shop.example/roadster", title: "View" }] }] },
        },
      },
    ]);
    // The customer's own messages are never sent back to them.
    expect((await eventsOf(t, conversationId)).filter((e) => e.sender.role === "customer")).toHaveLength(1);
    expect(await deliveriesOf(t, conversationId)).toHaveLength(1);
  });

  it("follow WhatsApp statuses: read moves the cursor, a later failure shows on the delivery", async () => {
    const t = await channelTenant();
    const { calls } = mockGraph();
    const { waId, conversationId } = await whatsappThread(t);
    const ts = waTimestamp;
    const first = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "first" }));
    const second = await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text: "second" }));
    const sent = await settled(t, conversationId, 2);
    expect(calls).toHaveLength(2);
    const [firstId, secondId] = sent.map((d) => d.platformMessageIds[0]!);

    const statuses = whatsappBody(t, {
      statuses: [
        { id: firstId, status: "delivered", timestamp: ts(), recipient_id: waId },
        { id: firstId, status: "read", timestamp: ts(), recipient_id: waId },
        { id: secondId, status: "failed", timestamp: ts(), recipient_id: waId, errors: [{ code: 131047, title: "Re-engagement message" }] },
      ],
    });
    expect((await postWebhook(t, "whatsapp", statuses)).status).toBe(200);
    const after = await settled(t, conversationId, 2, (d) => d.readAt !== null || d.status === "failed");
    expect(after[0]).toMatchObject({ seq: first, status: "succeeded" });
    expect(after[0]!.deliveredAt).not.toBeNull();
    expect(after[1]).toMatchObject({ seq: second, status: "failed", lastError: "WhatsApp reported the message failed: Re-engagement message (code 131047)" });
    const view = await eventually(
      async () => json<{ reads: Record<string, number> }>(await api(`/v1/conversations/${conversationId}`, { token: t.adminKey })),
      (v) => v.reads[`wa_${waId}`] === first,
    );
    expect(view.reads[`wa_${waId}`]).toBe(first);
  });

  it("page back through their deliveries: an old failed one stays reachable behind newer ones", async () => {
    const t = await channelTenant();
    mockGraph((call, i) => (i === 0 ? graphError(400, 190, "Error validating access token: Session has expired.", 463) : graphOk(call)));
    const { conversationId } = await messengerThread(t);
    const seqs: number[] = [];
    for (const text of ["old", "one", "two", "three", "four"]) seqs.push(await seqOf(await sendAs(t, conversationId, "bot", { type: "text", text })));
    await settled(t, conversationId, 5);
    type Page = { deliveries: Delivery[]; cursor: number | null; hasMore: boolean };
    const page = async (query: string) => {
      const res = await api(`/v1/conversations/${conversationId}/channel-deliveries${query}`, { token: t.adminKey });
      expect(res.status).toBe(200);
      return json<Page>(res);
    };
    const seqsOf = (p: Page) => p.deliveries.map((d) => d.seq);

    // Without parameters: the newest 100, oldest first, as before.
    const all = await page("");
    expect(seqsOf(all)).toEqual(seqs);
    expect(all).toMatchObject({ cursor: seqs[0], hasMore: false });

    const newest = await page("?limit=2");
    expect(seqsOf(newest)).toEqual(seqs.slice(3));
    expect(newest).toMatchObject({ cursor: seqs[3], hasMore: true });
    const middle = await page(`?limit=2&before=${newest.cursor}`);
    expect(seqsOf(middle)).toEqual(seqs.slice(1, 3));
    expect(middle.hasMore).toBe(true);
    const oldest = await page(`?limit=2&before=${middle.cursor}`);
    expect(oldest.deliveries).toMatchObject([{ seq: seqs[0], status: "failed", lastStatus: 400 }]);
    expect(oldest).toMatchObject({ cursor: seqs[0], hasMore: false });
    expect(await page(`?before=${seqs[0]}`)).toEqual({ deliveries: [], cursor: null, hasMore: false });

    for (const bad of ["?before=0x2", "?limit=0", "?limit=101", "?limit=", "?after=1"]) {
      expect((await api(`/v1/conversations/${conversationId}/channel-deliveries${bad}`, { token: t.adminKey })).status, bad).toBe(400);
    }
  });

  it("show their deliveries to business callers of the tenant only", async () => {
    const t = await channelTenant();
    const other = await channelTenant();
    mockGraph();
    const { conversationId } = await messengerThread(t);
    expect((await api(`/v1/conversations/${conversationId}/channel-deliveries`, { token: other.adminKey })).status).toBe(404);
    const handoff = await json<{ handoffToken: string }>(await api(`/v1/conversations/${conversationId}/handoff`, { method: "POST", token: t.adminKey }));
    const customer = await json<{ sessionToken: string }>(await api("/v1/sessions", { method: "POST", json: { tenant: t.id, handoffToken: handoff.handoffToken } }));
    expect((await api(`/v1/conversations/${conversationId}/channel-deliveries`, { token: customer.sessionToken })).status).toBe(403);
    expect((await api(`/v1/conversations/${conversationId}/channel-deliveries/1/retry`, { method: "POST", token: t.adminKey })).status).toBe(404);
    expect((await api(`/v1/conversations/${conversationId}/channel-deliveries/x/retry`, { method: "POST", token: t.adminKey })).status).toBe(404);
  });
});
