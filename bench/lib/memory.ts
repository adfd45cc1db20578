// Resident memory of the workerd processes under the `wrangler dev` that
// listens on `port` (Linux /proc; reported only, never a target).
import { execFileSync } from "node:child_process";

interface Proc {
  pid: number;
  ppid: number;
  rssKiB: number;
  args: string;
}

function processes(): Proc[] {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), rssKiB: Number(m[3]), args: m[4]! }));
}

/** MiB resident in the workerd descendants of the wrangler started with `--port <port>`; null when not found. */
export function workerdRssMiB(port: number): number | null {
  const all = processes();
  const root = all.find((p) => p.args.includes("wrangler") && p.args.includes(`--port ${port}`) && !p.args.includes("workerd"));
  if (!root) return null;
  const descendants = new Set([root.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (descendants.has(p.ppid) && !descendants.has(p.pid)) {
        descendants.add(p.pid);
        grew = true;
      }
    }
  }
  const workerd = all.filter((p) => descendants.has(p.pid) && /workerd/.test(p.args));
  return workerd.length === 0 ? null : workerd.reduce((sum, p) => sum + p.rssKiB, 0) / 1024;
}
