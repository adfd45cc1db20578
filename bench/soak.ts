// `npm run soak`: the fault soak (bench/soak-core.ts) from the command line.
//   npm run soak -- [--devices 20] [--per-user 4] [--seconds 60] [--restarts 2]
//                   [--max-messages 50000] [--seed <n>] [--no-bot]
// Exits 0 only when nothing was lost, duplicated, reordered or left with a gap.
import { parseArgs } from "node:util";
import { startServer } from "../test/support/server.ts";
import { ensureAssetsBuilt } from "./lib/project.ts";
import { formatReport, runSoak } from "./soak-core.ts";

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "20" },
    "per-user": { type: "string", default: "4" },
    seconds: { type: "string", default: "60" },
    restarts: { type: "string", default: "2" },
    "max-messages": { type: "string", default: "50000" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
    "no-bot": { type: "boolean", default: false },
  },
});

const started = Date.now();
const log = (line: string) => process.stderr.write(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);
log(`seed ${values.seed}`);

ensureAssetsBuilt(log);
const server = await startServer();
// Ctrl-C must not leave wrangler/workerd behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(130)));
}

let code = 2;
try {
  const report = await runSoak({
    server,
    devices: Number(values.devices),
    devicesPerUser: Number(values["per-user"]),
    seconds: Number(values.seconds),
    restarts: Number(values.restarts),
    maxMessages: Number(values["max-messages"]),
    seed: Number(values.seed),
    bot: !values["no-bot"],
    log,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  code = report.ok ? 0 : 1;
} catch (err) {
  process.stderr.write(`soak could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await server.stop();
}
process.exit(code);
