// `npm run dev -- --port N` serves on N: the default address lives in
// wrangler.toml's [dev], so a port given on the command line is not a second,
// refused --port.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { freePort } from "../support/server";

const ROOT = resolve(import.meta.dirname, "../..");

it("npm run dev -- --port <n> serves the API and the demo tenant on that port", async () => {
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn("npm", ["run", "dev", "--", "--port", String(port), "--inspector-port", String(inspector)], {
    cwd: ROOT,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  try {
    const deadline = Date.now() + 100_000;
    let status = 0;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        status = (await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ tenant: "demo" }),
        })).status;
        if (status === 201) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(status, output.slice(-2000)).toBe(201);
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid, "SIGKILL");
      await exited;
    }
  }
}, 120_000);
