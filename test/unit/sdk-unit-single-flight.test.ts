// SingleFlight: at most one run at a time; join shares it, queue waits for it,
// rerun collapses asks made while it runs into exactly one more run.
import { describe, expect, it } from "vitest";
import { SingleFlight } from "../../src/client/single-flight.ts";

/** A task whose runs the test finishes by hand, in any order. */
function controlled<T>() {
  const runs: { resolve: (value: T) => void; reject: (err: unknown) => void; label: string }[] = [];
  const task = (label: string) => () =>
    new Promise<T>((resolve, reject) => {
      runs.push({ resolve, reject, label });
    });
  return { runs, task };
}

/** Lets every settled promise's handlers run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("SingleFlight.join", () => {
  it("starts the task when idle and hands later callers the same run", async () => {
    const flight = new SingleFlight<number>();
    const { runs, task } = controlled<number>();
    const a = flight.join(task("a"));
    const b = flight.join(task("b"));
    expect(flight.running).toBe(true);
    expect(runs.map((r) => r.label)).toEqual(["a"]);
    runs[0]?.resolve(7);
    expect(await a).toBe(7);
    expect(await b).toBe(7);
    expect(flight.running).toBe(false);
  });

  it("shares a rejection, then starts afresh", async () => {
    const flight = new SingleFlight<number>();
    const { runs, task } = controlled<number>();
    const a = flight.join(task("a"));
    const b = flight.join(task("b"));
    runs[0]?.reject(new Error("down"));
    await expect(a).rejects.toThrow("down");
    await expect(b).rejects.toThrow("down");
    const c = flight.join(task("c"));
    expect(runs.map((r) => r.label)).toEqual(["a", "c"]);
    runs[1]?.resolve(1);
    expect(await c).toBe(1);
  });

  it("counts a task that throws at once as a rejected run, and is idle after it", async () => {
    const flight = new SingleFlight();
    await expect(
      flight.join(() => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(flight.running).toBe(false);
  });
});

describe("SingleFlight.queue", () => {
  it("runs after the run under way (even a failed one), never alongside it; joins join the queued run", async () => {
    const flight = new SingleFlight<string>();
    const { runs, task } = controlled<string>();
    const a = flight.join(task("a"));
    const b = flight.queue(task("b"));
    const joined = flight.join(task("never"));
    await settle();
    expect(runs.map((r) => r.label)).toEqual(["a"]);
    runs[0]?.reject(new Error("a failed"));
    await expect(a).rejects.toThrow("a failed");
    await settle();
    expect(runs.map((r) => r.label)).toEqual(["a", "b"]);
    expect(flight.running).toBe(true);
    runs[1]?.resolve("b done");
    expect(await b).toBe("b done");
    expect(await joined).toBe("b done");
    expect(flight.running).toBe(false);
  });
});

describe("SingleFlight.rerun", () => {
  it("runs once more after the run under way, however often it was asked meanwhile", async () => {
    const flight = new SingleFlight();
    const { runs, task } = controlled<void>();
    flight.rerun(task("1"));
    flight.rerun(task("2a"));
    flight.rerun(task("2b"));
    flight.rerun(task("2c"));
    expect(runs.map((r) => r.label)).toEqual(["1"]);
    runs[0]?.resolve();
    await settle();
    // One re-run, with the task of the last ask.
    expect(runs.map((r) => r.label)).toEqual(["1", "2c"]);
    expect(flight.running).toBe(true);
    runs[1]?.resolve();
    await settle();
    expect(runs).toHaveLength(2);
    expect(flight.running).toBe(false);
  });

  it("does not run again when nobody asked during the run", async () => {
    const flight = new SingleFlight();
    const { runs, task } = controlled<void>();
    flight.rerun(task("1"));
    runs[0]?.resolve();
    await settle();
    expect(runs).toHaveLength(1);
    expect(flight.running).toBe(false);
  });

  it("re-runs after a failed run too", async () => {
    const flight = new SingleFlight();
    const { runs, task } = controlled<void>();
    // A rejected run nobody awaits: the test's task handles it, as rerun's callers must.
    flight.rerun(() => task("1")().catch(() => undefined));
    flight.rerun(task("2"));
    runs[0]?.reject(new Error("first failed"));
    await settle();
    expect(runs.map((r) => r.label)).toEqual(["1", "2"]);
    runs[1]?.resolve();
    await settle();
    expect(flight.running).toBe(false);
  });

  it("lets an ask during the re-run ask for yet another run", async () => {
    const flight = new SingleFlight();
    const { runs, task } = controlled<void>();
    flight.rerun(task("1"));
    flight.rerun(task("2"));
    runs[0]?.resolve();
    await settle();
    flight.rerun(task("3"));
    runs[1]?.resolve();
    await settle();
    expect(runs.map((r) => r.label)).toEqual(["1", "2", "3"]);
    runs[2]?.resolve();
    await settle();
    expect(flight.running).toBe(false);
  });

  it("joins a rerun's run, and a rerun asked during a join's run goes after it", async () => {
    const flight = new SingleFlight<void>();
    const { runs, task } = controlled<void>();
    const joined = flight.join(task("1"));
    flight.rerun(task("2"));
    expect(runs.map((r) => r.label)).toEqual(["1"]);
    runs[0]?.resolve();
    await joined;
    await settle();
    expect(runs.map((r) => r.label)).toEqual(["1", "2"]);
    const joinedRerun = flight.join(task("never"));
    runs[1]?.resolve();
    await joinedRerun;
    expect(runs).toHaveLength(2);
  });
});
