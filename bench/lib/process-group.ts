// A `wrangler dev` started with `detached: true` and its workerd children are
// one process group: ending it kills the whole group (the caller waits for the
// exit before removing the state directory under it), and its CPU time is the
// sum over the group.
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** SIGKILLs `child`'s process group (or `child` alone if that fails) and resolves once it exited; a no-op if it already had. */
export async function killProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
  await exited;
}

/**
 * The CPU time (user + system, ms) the live processes of process group `pgid`
 * have used so far: for a `wrangler dev` started with `detached: true`, wrangler
 * and its workerd processes. Read from Linux's /proc (`stat` fields 5 pgrp,
 * 14 utime, 15 stime, in clock ticks of 1/100 s — USER_HZ, proc(5)); the
 * difference of two readings prices what the group did in between, steadier
 * on a shared machine than the requests per second it managed.
 * @returns null where /proc cannot be read (macOS, Windows) or no process of the group is found
 */
export function processGroupCpuMs(pgid: number): number | null {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  let ticks = 0;
  let found = false;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name, which is in parentheses and may hold spaces: [0] is field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== pgid) continue;
    found = true;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return found ? ticks * 10 : null;
}
