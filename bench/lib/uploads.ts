// Upload throughput: one file of `mib` MiB at a time through Carryover's
// `POST /v1/attachments` (auth, the conversation's DO reserving and
// completing the record, sniffing, counting, SHA-256, streaming into R2)
// against the baseline Worker's plain R2 put of the same bytes, interleaved
// in one run so the ratio holds across machines.
import { DEMO, openConversation, openSession } from "./carryover.ts";
import { summarize, type Summary } from "./stats.ts";

export interface UploadResult {
  mib: number;
  /** MiB/s per upload, in the order measured. */
  carryoverMiBps: number[];
  plainR2MiBps: number[];
  carryover: Summary;
  plainR2: Summary;
  /** Carryover ÷ plain R2, per pair. */
  ratio: Summary;
}

/** A file whose first bytes are a PDF header (so it passes sniffing), then filler. */
function file(mib: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(mib * 1024 * 1024);
  bytes.set(new TextEncoder().encode("%PDF-1.4\n"));
  for (let i = 4096; i < bytes.length; i += 4096) bytes[i] = i % 251;
  return bytes;
}

async function timed(run: () => Promise<Response>, what: string): Promise<number> {
  const start = performance.now();
  const res = await run();
  const text = await res.text();
  if (res.status !== 201) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return performance.now() - start;
}

export async function measureUploads(carryoverUrl: string, baselineUrl: string, options: { uploads: number; mib: number }): Promise<UploadResult> {
  const body = file(options.mib);
  const person = await openSession(carryoverUrl, `bench-upload-${Date.now().toString(36)}`);
  const conversation = await openConversation(carryoverUrl, person.sessionToken);
  // The business uploads (bot key): a customer device would meet its upload rate limit.
  const viaCarryover = () =>
    fetch(`${carryoverUrl}/v1/attachments?conversationId=${conversation}&filename=bench.pdf`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO.botKey}`, "content-type": "application/pdf" },
      body,
    });
  let n = 0;
  const viaPlainR2 = () => fetch(`${baselineUrl}/r2/bench-${n++}`, { method: "PUT", body });
  // One of each first, not measured: wakes the objects and the R2 store.
  await timed(viaCarryover, "upload warm-up");
  await timed(viaPlainR2, "plain R2 warm-up");
  const carryoverMiBps: number[] = [];
  const plainR2MiBps: number[] = [];
  for (let i = 0; i < options.uploads; i++) {
    plainR2MiBps.push(options.mib / ((await timed(viaPlainR2, "plain R2 put")) / 1000));
    carryoverMiBps.push(options.mib / ((await timed(viaCarryover, "upload")) / 1000));
  }
  return {
    mib: options.mib,
    carryoverMiBps,
    plainR2MiBps,
    carryover: summarize(carryoverMiBps),
    plainR2: summarize(plainR2MiBps),
    ratio: summarize(carryoverMiBps.map((v, i) => v / plainR2MiBps[i]!)),
  };
}
