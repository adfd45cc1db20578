// GET /openapi.json publishes the contract from the schemas that enforce it.
import { describe, expect, it } from "vitest";
import { api, json } from "./helpers";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>;
  components: { schemas: Record<string, { oneOf?: { properties: { type: { const: string } } }[] }> };
}

describe("OpenAPI document", () => {
  it("lists the routes and the content types the API validates", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await json<Doc>(res);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/sessions",
        "/v1/conversations/{id}/messages",
        "/v1/conversations/{id}/live",
        "/v1/admin/tenants",
        "/v1/agent-sessions",
        "/v1/conversations/{id}/notes",
        "/v1/inbox/live",
        "/v1/broadcasts",
        "/v1/people",
        "/v1/webhook-endpoints/{id}/deliveries",
      ]),
    );
    const types = doc.components.schemas.Content?.oneOf?.map((v) => v.properties.type.const);
    expect(types).toEqual(["text", "media", "buttons", "cards", "receipt", "payment_request", "postback"]);
    const send = doc.paths["/v1/conversations/{id}/messages"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(send).toMatchObject({ required: ["clientId", "content"] });
  });
});
