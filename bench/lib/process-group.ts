// Ending a `wrangler dev` started with `detached: true`: its workerd child is
// in the same process group, so the whole group is killed, and the caller
// waits for the exit before removing the state directory under it.
import type { ChildProcess } from "node:child_process";

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
