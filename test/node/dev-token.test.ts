// `npm run token` (src/dev/token.mjs): a wrong command line prints the usage
// line and exits 2, never a Node stack trace; --help prints it and exits 0;
// a right one prints an identity token with the asked-for claims.
import { spawnSync } from "node:child_process";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";

function token(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["src/dev/token.mjs", ...args], { encoding: "utf8", timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("npm run token", () => {
  it("answers a wrong command line with the usage line and exit code 2", () => {
    const wrong: [string[], RegExp][] = [
      [["--bogus"], /Unknown option '--bogus'/],
      [["--sub"], /'--sub <value>' argument missing/],
      [[], /--sub is required/],
      [["--sub", "alice", "--ttl", "soon"], /--ttl must be/],
      [["--sub", "alice", "--ttl", "7200"], /--ttl must be/],
      [["alice"], /Unexpected argument/],
    ];
    for (const [args, problem] of wrong) {
      const run = token(...args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(problem);
      expect(run.stderr, args.join(" ")).toMatch(/^usage: npm run token -- --sub <user id>/m);
      expect(run.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe("");
    }
  });

  it("--help prints the usage line and exits 0", () => {
    const run = token("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run token -- --sub <user id>/);
  });

  it("prints an identity token with the asked-for claims", () => {
    const run = token("--sub", "alice", "--name", "Alice", "--ttl", "120");
    expect(run.status).toBe(0);
    const claims = decodeJwt(run.stdout.trim());
    expect(claims).toMatchObject({ sub: "alice", name: "Alice", iss: "demo", aud: "carryover" });
    expect(claims.exp! - claims.iat!).toBe(120);
  });
});
