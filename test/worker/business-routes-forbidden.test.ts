// Who may not use a business route is told so (403 forbidden) whatever they
// send: the role is checked before the body, so a customer never gets a
// business route's validation errors (API.md "Business side": customer
// credentials get 403 on every route here), nor an agent or a bot-role key
// those of an admin route.
import { describe, expect, it } from "vitest";
import { agentSession } from "./business-helpers";
import { api, BOT_KEY, json, openConversation, openSession, uniqueUser } from "./helpers";

interface Problem {
  status: number;
  code: string;
}

describe("business routes refuse other callers before reading the body", () => {
  it("answers 403, not 400, to a customer with an invalid body on every business route", async () => {
    const customer = await openSession(uniqueUser("nosy"));
    const id = await openConversation(customer.sessionToken);
    const routes: [string, string][] = [
      ["PATCH", `/v1/conversations/${id}`],
      ["POST", `/v1/conversations/${id}/handover`],
      ["POST", `/v1/conversations/${id}/notes`],
      ["POST", `/v1/conversations/${id}/payments/r1`],
      ["POST", "/v1/broadcasts"],
      ["POST", "/v1/broadcasts/estimate"],
      ["PATCH", `/v1/people/${uniqueUser("someone")}`],
      ["PUT", "/v1/topics/news"],
      ["POST", "/v1/webhook-endpoints"],
      ["PATCH", "/v1/webhook-endpoints/whe_x"],
      ["POST", "/v1/webhook-endpoints/whe_x/recover"],
      ["PUT", "/v1/channels/messenger"],
      ["PUT", "/v1/channels/whatsapp"],
    ];
    for (const [method, path] of routes) {
      const res = await api(path, { method, token: customer.sessionToken, json: { nonsense: true } });
      expect([method, path, (await json<Problem>(res)).code, res.status]).toEqual([method, path, "forbidden", 403]);
    }
  });

  it("answers 403 to an agent session or a bot-role key with an invalid body on an admin route", async () => {
    const agent = await agentSession(uniqueUser("agent"));
    for (const token of [agent.sessionToken, BOT_KEY]) {
      for (const [method, path] of [
        ["POST", "/v1/webhook-endpoints"],
        ["PUT", "/v1/topics/news"],
        ["PUT", "/v1/channels/messenger"],
      ] as const) {
        const res = await api(path, { method, token, json: { nonsense: true } });
        expect([method, path, res.status]).toEqual([method, path, 403]);
      }
    }
  });
});
