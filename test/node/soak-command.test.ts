// `npm run soak` is a documented command (docs/OPERATIONS.md): it must start
// under plain Node (the testing kit's extensionless imports need the
// bench's resolve hook) and pass a tiny run. The soak itself is proven by
// soak.test.ts; this proves the command a user types.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

it("npm run soak starts and passes a short run", async () => {
  const { stdout } = await promisify(execFile)("npm", ["run", "-s", "soak", "--", "--seconds", "3", "--restarts", "0", "--devices", "2", "--per-user", "2"], {
    cwd: ROOT,
    env: { ...process.env, CI: "true", NO_COLOR: "1" },
    timeout: 150_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout).toMatch(/soak PASSED/);
  expect(stdout).toMatch(/lost 0 {2}duplicated 0/);
}, 180_000);
