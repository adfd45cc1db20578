// Vitest hooks around the local server (kept apart from server.ts, which
// the bench and the soak import outside vitest).
import { afterAll, beforeAll } from "vitest";
import { startServer, type LocalServer, type StartOptions } from "./server";

/**
 * One server for a test file: started before its tests, stopped after them.
 * Call the returned function inside tests to get it.
 */
export function useLocalServer(options: StartOptions = {}): () => LocalServer {
  let server: LocalServer | undefined;
  beforeAll(async () => {
    server = await startServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("the server is not started yet (use it inside a test)");
    return server;
  };
}
