// What users download: the deployable Worker bundle (built exactly as
// `wrangler deploy` would, without uploading) and the widget script, gzipped.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

export interface BundleSize {
  /** Raw and gzipped bytes of the JavaScript modules wrangler would upload. */
  bytes: number;
  gzipBytes: number;
  /** Bytes in the bundle per package (node_modules/<name>) or per src/ folder, largest first. */
  byOrigin: { origin: string; bytes: number }[];
  /** Input files of the bundle that come from bench/ — must be none. */
  benchInputs: string[];
}

function wrangler(args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(WRANGLER, args, {
      cwd: ROOT,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => (code === 0 ? ok(output) : fail(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${output}`))));
  });
}

function originOf(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (pkg) return pkg[1]!;
  const src = /^(src\/[^/]+)\//.exec(input);
  if (src) return `${src[1]}/`;
  return input;
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Builds the production Worker from wrangler.toml with `deploy --dry-run` and measures it. */
export async function workerBundleSize(extraArgs: string[] = []): Promise<BundleSize> {
  const outdir = mkdtempSync(join(tmpdir(), "carryover-bundle-"));
  try {
    const meta = join(outdir, "bundle-meta.json");
    await wrangler(["deploy", "--dry-run", "--outdir", outdir, "--metafile", meta, ...extraArgs]);
    let bytes = 0;
    let gzipBytes = 0;
    for (const name of readdirSync(outdir)) {
      if (!/\.(m?js|wasm)$/.test(name)) continue;
      const content = readFileSync(join(outdir, name));
      bytes += content.byteLength;
      gzipBytes += gzipSync(content).byteLength;
    }
    const metafile = JSON.parse(readFileSync(meta, "utf8")) as Metafile;
    const byOrigin = new Map<string, number>();
    const benchInputs: string[] = [];
    for (const output of Object.values(metafile.outputs)) {
      for (const [input, info] of Object.entries(output.inputs)) {
        if (/(^|\/)bench\//.test(input)) benchInputs.push(input);
        const origin = originOf(input);
        byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + info.bytesInOutput);
      }
    }
    return {
      bytes,
      gzipBytes,
      byOrigin: [...byOrigin].map(([origin, b]) => ({ origin, bytes: b })).sort((a, b) => b.bytes - a.bytes),
      benchInputs,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface WidgetSize {
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** The built widget (`npm run build`), or null when it has not been built. */
export function widgetSize(): WidgetSize | null {
  for (const path of ["dist/public/widget.js", "public/widget.js"]) {
    const file = join(ROOT, path);
    if (!existsSync(file)) continue;
    const content = readFileSync(file);
    return { path, bytes: content.byteLength, gzipBytes: gzipSync(content).byteLength };
  }
  return null;
}
