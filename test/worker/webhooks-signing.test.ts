// Secret rotation with dual signatures, and the standby flag for bots that do
// not own the thread (API.md "Webhooks").
import { describe, expect, it } from "vitest";
import { api, json } from "./helpers";
import { addEndpoint, customer, newTenant, receivedAtLeast, say, verify } from "./webhook-helpers";

describe("secret rotation", { timeout: 30_000 }, () => {
  it("signs with the old and the new secret for 24 h, each rotated-away secret for its own 24 h; all verify with standardwebhooks", async () => {
    const tenant = await newTenant();
    const { endpoint, secret: old, bin } = await addEndpoint(tenant, ["message.created"]);
    const rotated = await api(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", token: tenant.adminKey });
    const { secret: next } = await json<{ secret: string }>(rotated);
    const c = await customer(tenant);
    await say(c.token, c.conversationId, "during the rotation");
    const [delivery] = await receivedAtLeast(bin, 1);
    const signatures = delivery!.headers["webhook-signature"]!.split(" ");
    expect(signatures).toHaveLength(2);
    for (const s of signatures) expect(s).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(old, delivery!)).toMatchObject({ type: "message.created" });
    expect(verify(next, delivery!)).toMatchObject({ type: "message.created" });
    // Each receiver-side secret alone also verifies when the other signature is dropped.
    const onlyNew = { ...delivery!, headers: { ...delivery!.headers, "webhook-signature": signatures[0]! } };
    expect(() => verify(next, onlyNew)).not.toThrow();
    expect(() => verify(old, onlyNew)).toThrow();

    // A second rotation within the 24 h: every secret rotated away keeps its 24 h, so a receiver
    // still on the first one (it missed the first rotation) keeps verifying.
    const rotate = async () => (await json<{ secret: string }>(await api(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", token: tenant.adminKey }))).secret;
    const third = await rotate();
    await say(c.token, c.conversationId, "after the second rotation");
    const [, later] = await receivedAtLeast(bin, 2);
    expect(later!.headers["webhook-signature"]!.split(" ")).toHaveLength(3);
    for (const secret of [third, next, old]) expect(() => verify(secret, later!)).not.toThrow();

    // Bounded: the current secret and the five rotated away most recently.
    const secrets = [old, next, third];
    for (let i = 0; i < 5; i++) secrets.push(await rotate());
    await say(c.token, c.conversationId, "after many rotations");
    const [, , last] = await receivedAtLeast(bin, 3);
    expect(last!.headers["webhook-signature"]!.split(" ")).toHaveLength(6);
    for (const secret of secrets.slice(-6)) expect(() => verify(secret, last!)).not.toThrow();
    for (const secret of secrets.slice(0, -6)) expect(() => verify(secret, last!)).toThrow();
  });
});

describe("standby", { timeout: 30_000 }, () => {
  it("tells a bot endpoint standby: true while an agent owns the thread; other endpoints get no flag", async () => {
    const tenant = await newTenant();
    const bot = await addEndpoint(tenant, ["message.created", "conversation.updated"], { bot: true });
    const crm = await addEndpoint(tenant, ["message.created"]);
    expect(bot.endpoint.bot).toBe(true);
    const c = await customer(tenant);
    await say(c.token, c.conversationId, "bot owns");
    const handover = (owner: string) =>
      api(`/v1/conversations/${c.conversationId}/handover`, { method: "POST", token: tenant.botKey, json: { owner, agentId: "sam" } });
    expect((await handover("agent")).status).toBe(200);
    await say(c.token, c.conversationId, "agent owns");
    expect((await handover("bot")).status).toBe(200);
    await say(c.token, c.conversationId, "bot again");

    const log = await receivedAtLeast(bot.bin, 5);
    for (const d of log) verify(bot.secret, d);
    expect(log.map((d) => [d.json.type, d.json.standby])).toEqual([
      ["message.created", false],
      ["conversation.updated", true],
      ["message.created", true],
      ["conversation.updated", false],
      ["message.created", false],
    ]);
    const crmLog = await receivedAtLeast(crm.bin, 3);
    for (const d of crmLog) expect(d.json).not.toHaveProperty("standby");
  });
});
