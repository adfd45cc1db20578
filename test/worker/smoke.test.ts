import { describe, expect, it } from "vitest";
import { api, json, openConversation, openSession, send, uniqueUser } from "./helpers";

describe("smoke", () => {
  it("works", async () => {
    const s = await openSession(uniqueUser());
    const id = await openConversation(s.sessionToken);
    const r = await send(s.sessionToken, id, "c1", "hello");
    expect(r.status).toBe(201);
    const ev = await api(`/v1/conversations/${id}/events`, { token: s.sessionToken });
    console.log(JSON.stringify(await json(ev)));
  });
});
