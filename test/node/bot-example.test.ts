// docs/WEBHOOKS.md's "Run a bot" example (examples/bot.mjs), run as it is against
// the real Worker: a customer writes, the bot gets the signed webhook and
// answers through the Send API, exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/server.ts";
import { useLocalServer } from "../support/use-server.ts";
import { BOT_KEY, identityToken, serverLog, uniqueUser, waitFor } from "./sdk-helpers.ts";

const server = useLocalServer();
let bot: ChildProcess | undefined;
afterAll(() => {
  bot?.kill("SIGKILL");
});

async function post<T>(path: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(`${server().url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.ok, `${path}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

describe("the Run a bot example", () => {
  it("answers a customer's message once, and not its own messages", async () => {
    const { apiKey: adminKey } = await post<{ apiKey: string }>("/v1/admin/tenants/demo/api-keys", "dev-admin-token-change-me", { role: "admin" });
    const port = await freePort();
    const { secret } = await post<{ secret: string }>("/v1/webhook-endpoints", adminKey, {
      url: `http://127.0.0.1:${port}/webhook`,
      events: ["message.created"],
      bot: true,
    });
    let output = "";
    bot = spawn(process.execPath, [resolve(import.meta.dirname, "../../examples/bot.mjs")], {
      env: { ...process.env, CARRYOVER_URL: server().url, CARRYOVER_BOT_KEY: BOT_KEY, WEBHOOK_SECRET: secret, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    bot.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes("listening"), "the bot to listen");

    const session = await post<{ sessionToken: string }>("/v1/sessions", "", { tenant: "demo", identityToken: await identityToken(uniqueUser("bot-ex")) });
    const { conversation } = await post<{ conversation: { id: string } }>("/v1/conversations", session.sessionToken, {});
    await post(`/v1/conversations/${conversation.id}/messages`, session.sessionToken, { clientId: "c1", content: { type: "text", text: "Is the shop open?" } });

    await waitFor(async () => (await serverLog(server().url, conversation.id)).length >= 2, `the bot's answer (bot output: ${output})`);
    // Give a wrong answer (a loop on its own message, a duplicate) time to show.
    await new Promise((r) => setTimeout(r, 1_000));
    const log = await serverLog(server().url, conversation.id);
    expect(log.map((e) => [e.sender.role, e.content?.text])).toEqual([
      ["customer", "Is the shop open?"],
      ["bot", "You said: Is the shop open?"],
    ]);
  });
});
