// LOCAL DEVELOPMENT ONLY (DEV_SEED=true; otherwise every route here is 404).
// A stand-in for Meta's Messenger platform, so the demo works offline:
// - POST /demo/messenger/:pageId/messages — the Send API the demo channel
//   calls (its GRAPH_API_BASE); records each request body;
// - GET /demo/messenger/sent?recipient=<psid> — what was sent, oldest first;
// - POST /demo/messenger/send — the Messenger pane "types" in the app: the
//   server builds the platform's webhook payload, signs it with the demo app
//   secret (which so stays server-side) and hands it to the real webhook path;
// - GET /demo/messenger/thread?psid= — the thread the pane's user writes to;
// - GET /demo/messenger/:psid — the User Profile API (messenger-profile.ts):
//   a made-up name, the same for a PSID every time.
import { channelInboxStub } from "../directory/stubs";
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import * as z from "../zod";
import type { Env } from "../env";
import { settingsOf } from "../env";
import { assertDemoEnabled, demoOnly } from "../http/demo";
import type { AppEnv } from "../http/types";
import { jsonBody, queryOf } from "../http/route";
import { newId } from "../ids";
import { ServiceError } from "../protocol/errors";
import { DEMO_CHANNEL, seedDemoChannel } from "./demo-seed";
import { personIdOf } from "./inbound";
import { findChannel } from "./settings";
import { hubSignature } from "./signature";
import { receiveWebhook } from "./webhook";

/** The simulator's record of send-API calls (one object for the whole dev server). */
export class MessengerSimulator extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS sent (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL)",
    );
  }

  /** Records one Send API request body; returns its number (the simulated message id). */
  async record(recipient: string, body: unknown): Promise<number> {
    const cursor = this.ctx.storage.sql.exec<{ id: number }>(
      "INSERT INTO sent (recipient, body, at) VALUES (?, ?, ?) RETURNING id",
      recipient,
      JSON.stringify(body),
      new Date().toISOString(),
    );
    return cursor.one().id;
  }

  /** Every body sent to `recipient`, oldest first. */
  async sent(recipient: string): Promise<unknown[]> {
    return this.ctx.storage.sql
      .exec<{ body: string }>("SELECT body FROM sent WHERE recipient = ? ORDER BY id", recipient)
      .toArray()
      .map((row) => JSON.parse(row.body) as unknown);
  }
}

const Psid = z.string().check(z.regex(/^[0-9]{1,32}$/, "a page-scoped id is digits"));

export const PaneMessage = z
  .strictObject({
    psid: Psid,
    text: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
    quickReply: z.optional(
      z.strictObject({ title: z.string().check(z.minLength(1), z.maxLength(80)), payload: z.string().check(z.minLength(1), z.maxLength(1000)) }),
    ),
    postback: z.optional(
      z.strictObject({ title: z.string().check(z.minLength(1), z.maxLength(80)), payload: z.string().check(z.minLength(1), z.maxLength(1000)) }),
    ),
    ref: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
    read: z.optional(z.literal(true)),
  })
  .check(
    z.refine((m) => [m.text, m.quickReply, m.postback, m.ref, m.read].filter((v) => v !== undefined).length === 1, {
      message: "give one of text, quickReply, postback, ref or read",
    }),
  );
type PaneMessage = z.infer<typeof PaneMessage>;

/** One messaging event as Messenger would send it for what the pane's user did. */
function messagingEvent(m: PaneMessage, now: number): Record<string, unknown> {
  const base = { sender: { id: m.psid }, recipient: { id: DEMO_CHANNEL.pageId }, timestamp: now };
  const mid = `m_${newId("sim", 24).slice(4)}`;
  if (m.text !== undefined) return { ...base, message: { mid, text: m.text } };
  if (m.quickReply) return { ...base, message: { mid, text: m.quickReply.title, quick_reply: { payload: m.quickReply.payload } } };
  if (m.postback) return { ...base, postback: { mid, title: m.postback.title, payload: m.postback.payload } };
  if (m.ref) return { ...base, referral: { ref: m.ref, source: "SHORTLINK", type: "OPEN_THREAD" } };
  return { ...base, read: { watermark: now } };
}

/** An error answered the way the Graph API answers one (its `error` object). */
function graphError(c: Context<AppEnv>, status: 400 | 401, code: number, message: string): Response {
  return c.json({ error: { message, type: "OAuthException", code } }, status);
}

function simulatorOf(env: Env) {
  return env.MESSENGER_SIMULATOR.getByName("demo");
}

async function ready(c: Context<AppEnv>): Promise<void> {
  assertDemoEnabled(settingsOf(c.env));
  await seedDemoChannel(c.env, new URL(c.req.url).origin);
}

export const simulator = new Hono<AppEnv>();

simulator.post("/:pageId/messages", async (c) => {
  assertDemoEnabled(settingsOf(c.env));
  if (c.req.header("authorization") !== `Bearer ${DEMO_CHANNEL.pageAccessToken}`) {
    return graphError(c, 401, 190, "Invalid OAuth access token.");
  }
  const body = (await c.req.json()) as { recipient?: { id?: unknown } };
  const recipient = typeof body.recipient?.id === "string" ? body.recipient.id : null;
  if (!recipient) return graphError(c, 400, 100, "(#100) The parameter recipient is required");
  const id = await simulatorOf(c.env).record(recipient, body);
  return c.json({ recipient_id: recipient, message_id: `m_sim_${id}` });
});

simulator.get("/sent", demoOnly, queryOf(z.strictObject({ recipient: Psid })), async (c) => {
  const { recipient } = c.req.valid("query");
  return c.json({ messages: await simulatorOf(c.env).sent(recipient) }, 200, { "cache-control": "no-store" });
});

simulator.post("/send", demoOnly, jsonBody(PaneMessage), async (c) => {
  await ready(c);
  const message = c.req.valid("json");
  const config = await findChannel(c.env, DEMO_CHANNEL.tenant, "messenger");
  if (!config) throw new ServiceError("not_found", "the demo Messenger channel is not set up");
  const raw = JSON.stringify({ object: "page", entry: [{ id: DEMO_CHANNEL.pageId, time: Date.now(), messaging: [messagingEvent(message, Date.now())] }] });
  const bytes = new TextEncoder().encode(raw);
  await receiveWebhook(c.env, config, bytes, await hubSignature(config.appSecret, bytes));
  return c.json({ ok: true }, 202);
});

simulator.get("/thread", demoOnly, queryOf(z.strictObject({ psid: Psid })), async (c) => {
  await ready(c);
  const { psid } = c.req.valid("query");
  const state = await channelInboxStub(c.env, DEMO_CHANNEL.tenant, personIdOf("messenger", psid)).state();
  return c.json({ conversationId: state.conversationId, linkedTo: state.link?.userId ?? null }, 200, { "cache-control": "no-store" });
});

const FIRST_NAMES = ["Alex", "Sam", "Noor", "Kim", "Luca", "Maya", "Omar", "Ines", "Theo", "Zoe"];
const LAST_NAMES = ["Rivera", "Okafor", "Novak", "Haddad", "Silva", "Jensen", "Mori", "Costa", "Klein", "Park"];

/** Last: the User Profile API, `GET /<psid>?fields=…`, answered with the page token only (as the send API is). */
simulator.get("/:psid", async (c) => {
  assertDemoEnabled(settingsOf(c.env));
  if (c.req.header("authorization") !== `Bearer ${DEMO_CHANNEL.pageAccessToken}`) {
    return graphError(c, 401, 190, "Invalid OAuth access token.");
  }
  const psid = c.req.param("psid");
  if (!Psid.safeParse(psid).success) return graphError(c, 400, 100, `(#100) Object with ID '${psid}' does not exist`);
  const digit = (from: number) => Number(psid.at(from) ?? 0);
  return c.json({ first_name: FIRST_NAMES[digit(-1)], last_name: LAST_NAMES[digit(-2)], id: psid });
});
