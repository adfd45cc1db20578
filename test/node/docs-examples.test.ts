// docs/TESTING.md prints the example tests whole; the files in docs/examples/
// are what CI runs against the packed package (.ci/consumer-check). They must
// not drift apart.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DOCS = resolve(import.meta.dirname, "../../docs");

describe("docs/TESTING.md", () => {
  for (const name of ["bot.ts", "bot.test.ts", "bot.node.test.ts", "messenger.test.ts"]) {
    it(`prints examples/${name} as CI runs it`, () => {
      const guide = readFileSync(resolve(DOCS, "TESTING.md"), "utf8");
      // The file's own first comment line says where it is; the rest is printed.
      const body = readFileSync(resolve(DOCS, "examples", name), "utf8").replace(/^\/\/.*\n/, "");
      expect(guide).toContain(body);
    });
  }
});
