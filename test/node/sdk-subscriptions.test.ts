// Broadcast topics through the SDK: list, subscribe, unsubscribe.
import { describe, expect, it } from "vitest";
import { CarryoverError, MemoryStorage } from "../../src/client/index.ts";
import { useLocalServer } from "../support/use-server.ts";
import { sdkClient, uniqueUser } from "./sdk-helpers.ts";

const server = useLocalServer();

async function adminCall(path: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server().url}${path}`, {
    method: path.startsWith("/v1/topics/") ? "PUT" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

describe("SDK subscriptions", () => {
  it("lists topics, opts in and out, and reports unknown topics", async () => {
    const { apiKey } = (await adminCall("/v1/admin/tenants/demo/api-keys", "dev-admin-token-change-me", { role: "admin" })) as { apiKey: string };
    const topic = `sdk-${crypto.randomUUID().slice(0, 8)}`;
    await adminCall(`/v1/topics/${topic}`, apiKey, { name: "SDK news", description: "for tests" });
    const client = sdkClient(server().url, uniqueUser(), new MemoryStorage());
    await client.connect();
    expect((await client.listSubscriptions()).find((t) => t.topic === topic)).toEqual({
      topic,
      name: "SDK news",
      description: "for tests",
      subscribed: false,
    });
    expect((await client.subscribe(topic)).find((t) => t.topic === topic)?.subscribed).toBe(true);
    expect((await client.listSubscriptions()).find((t) => t.topic === topic)?.subscribed).toBe(true);
    expect((await client.unsubscribe(topic)).find((t) => t.topic === topic)?.subscribed).toBe(false);
    const err = await client.subscribe("no-such-topic").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarryoverError);
    expect((err as CarryoverError).code).toBe("not_found");
    client.close();
  });
});
