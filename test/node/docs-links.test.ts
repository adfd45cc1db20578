// The docs a newcomer walks: README.md is the front door and docs/*.md the
// reference. Every relative link and anchor in them resolves (anchors as
// GitHub renders them), the README stays short, maps every src/ folder,
// names every dependency, and docs/API.md explains every error code.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../src/protocol/errors.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = resolve(ROOT, "docs");
const FILES = [resolve(ROOT, "README.md"), ...readdirSync(DOCS).filter((f) => f.endsWith(".md")).map((f) => resolve(DOCS, f))];

/** Markdown lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split("\n").filter((line) => {
    if (line.startsWith("```")) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(readFileSync(file, "utf8"))) {
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (!heading?.[1]) continue;
    const base = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** `[text](target)` links in prose; inline code is blanked first so code that looks like a link is not one. */
function links(file: string): string[] {
  const found: string[] = [];
  for (const line of prose(readFileSync(file, "utf8"))) {
    const text = line.replace(/`[^`]*`/g, "code");
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) if (match[1]) found.push(match[1]);
  }
  return found;
}

describe("README.md and docs/*.md", () => {
  it("have links to files and anchors that exist", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of FILES) {
      for (const link of links(file)) {
        if (/^[a-z]+:/i.test(link)) continue; // http:, https:, mailto:
        checked++;
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? file : resolve(dirname(file), path);
        const where = `${relative(ROOT, file)}: ${link}`;
        if (!existsSync(target)) broken.push(`${where} (no such file)`);
        else if (anchor !== undefined) {
          if (!target.endsWith(".md") || statSync(target).isDirectory()) broken.push(`${where} (anchor into a file that is not Markdown)`);
          else if (!anchors(target).has(anchor)) broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it("each have one title, on the first line, and no heading that skips a level", () => {
    for (const file of FILES) {
      const levels = prose(readFileSync(file, "utf8"))
        .map((line) => /^(#{1,6}) /.exec(line)?.[1]?.length)
        .filter((n): n is number => n !== undefined);
      const where = relative(ROOT, file);
      expect(readFileSync(file, "utf8").startsWith("# "), where).toBe(true);
      expect(levels.filter((n) => n === 1), where).toHaveLength(1);
      levels.forEach((n, i) => {
        if (i > 0) expect(n, `${where}: heading ${i} goes from level ${levels[i - 1]} to ${n}`).toBeLessThanOrEqual((levels[i - 1] ?? 1) + 1);
      });
    }
  });

  it("compute anchors as GitHub does", () => {
    expect([...anchors(resolve(DOCS, "API.md"))]).toEqual(
      expect.arrayContaining(["handover-bot--human", "admin-authorization-bearer-admin_token", "the-contract-v1", "error-codes"]),
    );
  });
});

describe("README.md, the front door", () => {
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");

  it("stays short and starts a newcomer with npm install, then npm run dev", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    expect(readme).toMatch(/npm install\nnpm run dev/);
  });

  it("maps every folder of src/", () => {
    const folders = readdirSync(resolve(ROOT, "src"), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.length).toBeGreaterThan(10);
    for (const folder of folders) expect(readme, `src/${folder.name}/`).toContain(`\`src/${folder.name}/\``);
  });

  it("names every dependency in package.json and links every doc", () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const names = ["dependencies", "devDependencies", "peerDependencies"].flatMap((k) => Object.keys(pkg[k] ?? {}));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(readme, name).toContain(`**${name}**`);
    for (const doc of readdirSync(DOCS).filter((f) => f.endsWith(".md"))) expect(readme, doc).toContain(`(docs/${doc})`);
  });
});

describe("docs/API.md", () => {
  it("says in one line what each error code means", () => {
    const api = readFileSync(resolve(DOCS, "API.md"), "utf8");
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(api, code).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status} \\| \\S.+\\|$`, "m"));
    }
  });
});
