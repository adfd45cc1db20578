// Facts about the checkout the bench runs in: the static-assets directory
// wrangler needs before it starts, and the versions of the runtime pieces.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

function assetsDirectory(): string | null {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const section = /^\[assets\]([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? "";
  return /^\s*directory\s*=\s*"([^"]+)"/m.exec(section)?.[1] ?? null;
}

/**
 * `wrangler dev` refuses to start when the assets directory is missing (a
 * fresh clone before `npm run build`): build it when the project has a build
 * script, otherwise create it empty.
 */
export function ensureAssetsBuilt(log: (line: string) => void = () => undefined): void {
  const dir = assetsDirectory();
  if (!dir || existsSync(join(ROOT, dir))) return;
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  if (pkg.scripts?.build) {
    log(`${dir} is missing: npm run build`);
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  }
  mkdirSync(join(ROOT, dir), { recursive: true });
}

/** The version of `pkg` as wrangler resolves it (its own nested copy first). */
function versionOf(pkg: string): string {
  for (const dir of [join(ROOT, "node_modules/wrangler/node_modules", pkg), join(ROOT, "node_modules", pkg)]) {
    try {
      return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      // try the next place
    }
  }
  return "unknown";
}

/** What `wrangler dev` runs on: Node, wrangler, and the miniflare/workerd that wrangler itself loads. */
export function runtimeVersions(): Record<string, string> {
  return {
    node: process.version,
    wrangler: versionOf("wrangler"),
    miniflare: versionOf("miniflare"),
    workerd: versionOf("workerd"),
  };
}
