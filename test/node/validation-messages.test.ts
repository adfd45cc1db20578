// A 400's `errors[].message` is zod's English message, in the Worker as
// wrangler bundles it (dist/worker, what the testing kit boots). The schemas
// use zod/mini, which loads no messages by itself: src/zod.ts loads the
// English ones, and package.json lists it in "sideEffects" so that esbuild
// keeps it. Without that every message would read "Invalid input".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "../support/server.ts";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

/** POSTs `body` as JSON to /v1/sessions (no credentials needed to be refused). */
async function postSession(body: unknown): Promise<{ status: number; errors: unknown }> {
  const res = await fetch(`${server.url}/v1/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const problem = (await res.json()) as { errors?: unknown };
  return { status: res.status, errors: problem.errors };
}

describe("validation messages of the built Worker", () => {
  it("are zod's English messages, next to the schemas' own and 'unknown key'", async () => {
    expect(await postSession({ tenant: "", deviceId: 5, zz: 1 })).toEqual({
      status: 400,
      errors: [
        { path: "tenant", message: "Too small: expected string to have >=1 characters" },
        { path: "deviceId", message: "Invalid input: expected string, received number" },
        { path: "zz", message: "unknown key" },
      ],
    });
    expect(await postSession({ tenant: "x".repeat(65), deviceId: "dev_1" })).toEqual({
      status: 400,
      errors: [
        { path: "tenant", message: "Too big: expected string to have <=64 characters" },
        { path: "deviceId", message: "must be a device id (dev_…)" },
      ],
    });
  });
});
