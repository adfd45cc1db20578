// A small Carryover bot: receives signed webhooks, verifies them with the
// `standardwebhooks` package, answers customers through the Send API.
// Node ≥ 22, one dependency: npm install standardwebhooks
//
//   CARRYOVER_URL=http://localhost:8787 CARRYOVER_BOT_KEY=ck_… \
//   WEBHOOK_SECRET=whsec_… PORT=3000 node examples/bot.mjs
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const { CARRYOVER_URL = "http://localhost:8787", CARRYOVER_BOT_KEY, WEBHOOK_SECRET, PORT = "3000" } = process.env;
if (!CARRYOVER_BOT_KEY || !WEBHOOK_SECRET) throw new Error("set CARRYOVER_BOT_KEY and WEBHOOK_SECRET");
const webhook = new Webhook(WEBHOOK_SECRET);

// Deliveries come at least once: remember what was handled (use your database in production).
const handled = new Set();

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    let event;
    try {
      // Checks webhook-signature (any of the listed signatures) and that webhook-timestamp is recent.
      event = webhook.verify(body, req.headers);
    } catch {
      res.writeHead(401).end();
      return;
    }
    // Answer 2xx at once; do the work afterwards (a slow answer counts as a failure and is retried).
    res.writeHead(204).end();
    const id = req.headers["webhook-id"];
    if (handled.has(id)) return;
    handled.add(id);
    handle(event).catch((err) => console.error("handling", id, "failed:", err));
  });
}).listen(Number(PORT), () => console.log(`bot listening on :${PORT}`));

async function handle(event) {
  if (event.type !== "message.created") return;
  // Our own and the agents' messages come back as webhooks too; answer customers only,
  // and stay quiet while an agent owns the thread (standby).
  if (event.data.sender.role !== "customer" || event.standby) return;
  const text = event.data.content.type === "text" ? event.data.content.text : event.data.content.title ?? "(something)";
  const res = await fetch(`${CARRYOVER_URL}/v1/conversations/${event.conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${CARRYOVER_BOT_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      // Derived from the webhook id: a re-delivered webhook can never make a second reply.
      clientId: `reply-${event.id}`,
      sender: { role: "bot", id: "echo-bot", name: "Echo Bot" },
      content: { type: "text", text: `You said: ${text}`, quickReplies: [{ title: "Talk to a person", payload: "HUMAN" }] },
    }),
  });
  if (!res.ok) throw new Error(`Send API answered ${res.status}: ${await res.text()}`);
}
