// The SDK's API paths: every id, topic and file name is percent-encoded, so a
// value can never step into another route or add a query member.
import { describe, expect, it } from "vitest";
import * as paths from "../../src/client/api-paths.ts";
import { DIRECT_QUERY, REPLAY_BATCH_QUERY } from "../../src/protocol/wire.ts";

describe("API paths", () => {
  const hostile = "a/../b?x=1#y %";

  it("encodes ids in every conversation path", () => {
    const id = encodeURIComponent(hostile);
    expect(id).toBe("a%2F..%2Fb%3Fx%3D1%23y%20%25");
    expect(paths.conversation(hostile)).toBe(`/v1/conversations/${id}`);
    expect(paths.messages(hostile)).toBe(`/v1/conversations/${id}/messages`);
    expect(paths.read(hostile)).toBe(`/v1/conversations/${id}/read`);
    expect(paths.handoff(hostile)).toBe(`/v1/conversations/${id}/handoff`);
    expect(paths.live(hostile, 7)).toBe(`/v1/conversations/${id}/live?after=7&replay=batch&direct=1`);
    expect(paths.events(hostile, "after", 3, 500)).toBe(`/v1/conversations/${id}/events?after=3&limit=500`);
    expect(paths.events(hostile, "before", 9, 50)).toBe(`/v1/conversations/${id}/events?before=9&limit=50`);
    expect(paths.attachmentUrl(hostile)).toBe(`/v1/attachments/${id}/url`);
    expect(paths.subscription(hostile)).toBe(`/v1/me/subscriptions/${id}`);
  });

  it("asks for the batched replay and a direct socket with the server's own parameters", () => {
    const query = new URL(paths.live("cnv_x", 0), "http://x").searchParams;
    expect(query.get(REPLAY_BATCH_QUERY.name)).toBe(REPLAY_BATCH_QUERY.value);
    expect(query.get(DIRECT_QUERY.name)).toBe(DIRECT_QUERY.value);
  });

  it("puts the upload's conversation and file name into its query, encoded", () => {
    const url = new URL(paths.upload(hostile, "my file&more.png"), "https://x.test");
    expect(url.pathname).toBe("/v1/attachments");
    expect([...url.searchParams]).toEqual([
      ["conversationId", hostile],
      ["filename", "my file&more.png"],
    ]);
  });

  it("names the fixed routes", () => {
    expect([paths.sessions, paths.currentSession, paths.conversations, paths.myConversations, paths.subscriptions]).toEqual([
      "/v1/sessions",
      "/v1/sessions/current",
      "/v1/conversations",
      "/v1/me/conversations",
      "/v1/me/subscriptions",
    ]);
  });
});
