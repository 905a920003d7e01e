/**
 * Audit core benchmark: `npx tsx bench/audit.mjs` (or via `npm run bench`).
 *
 * Synthesizes 100,000 assessed issues and measures `runAudit`:
 * - CPU time of the main thread (process.threadCpuUsage, or process.cpuUsage
 *   on older Node), best of 5 after a warm-up;
 * - peak memory: a worker thread samples the process RSS every millisecond
 *   while the audit runs (the main thread is busy, the sampler is not), and the
 *   figure is the high-water mark above the RSS just before the run, after a GC.
 *   GC is exposed at runtime (v8.setFlagsFromString), no flag needed.
 * Baselines from the same run: a naive implementation that scores and sorts
 * everything (bench/audit-naive.ts), and runAudit over 10,000 issues (linearity).
 */
import v8 from "node:v8";
import vm from "node:vm";
import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

const mb = (b) => Math.round((b / 1048576) * 10) / 10;

// Main-thread CPU where Node has it (>= 23.9), so background GC sweeping left by
// earlier runs does not land on the next one; process CPU otherwise.
const usage = process.threadCpuUsage ? () => process.threadCpuUsage() : () => process.cpuUsage();
const since = process.threadCpuUsage ? (t) => process.threadCpuUsage(t) : (t) => process.cpuUsage(t);

function cpu(fn, reps = 5) {
  let best = Infinity;
  let out;
  for (let i = 0; i < reps; i++) {
    const t = usage();
    out = fn();
    const d = since(t);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return { ms: Math.round(best * 10) / 10, out };
}

const SAMPLER = `
const { workerData, parentPort } = require("node:worker_threads");
const a = new Int32Array(workerData);
parentPort.postMessage("ready");
while (Atomics.load(a, 0) === 0) {
  const kb = (process.memoryUsage.rss() / 1024) | 0;
  if (kb > a[1]) Atomics.store(a, 1, kb);
  Atomics.wait(a, 0, 0, 1);
}
`;

/**
 * Peak memory above the post-GC baseline while `fn` runs: RSS sampled from
 * another thread, and heapUsed sampled inside the score callback (every 500th
 * call) and at the end: a heap high-water mark for a synchronous function.
 */
async function peakMemory(fn, heapTap) {
  const sab = new SharedArrayBuffer(8);
  const a = new Int32Array(sab);
  const w = new Worker(SAMPLER, { eval: true, workerData: sab });
  await new Promise((ok) => w.once("message", ok));
  gc();
  await new Promise((ok) => setTimeout(ok, 20));
  const base = process.memoryUsage.rss();
  Atomics.store(a, 1, (base / 1024) | 0);
  const heap0 = process.memoryUsage().heapUsed;
  heapTap.max = heap0;
  fn();
  const heap1 = process.memoryUsage().heapUsed;
  heapTap.max = Math.max(heapTap.max, heap1);
  await new Promise((ok) => setTimeout(ok, 5));
  Atomics.store(a, 0, 1);
  Atomics.notify(a, 0);
  await w.terminate();
  return { peak: mb(a[1] * 1024 - base), heapPeak: mb(heapTap.max - heap0), heapGrowth: mb(heap1 - heap0), base: mb(base) };
}

export async function run() {
  const { runAudit } = await import("../src/core/audit/index.ts");
  const { synthesize, benchScore } = await import("./audit-data.ts");
  const { naiveAudit } = await import("./audit-naive.ts");
  const now = new Date("2026-11-21T00:00:00Z");
  const big = synthesize(100_000, 1);
  const small = big.slice(0, 10_000);
  const heapTap = { max: 0, calls: 0 };
  const tappedScore = (issue, c, ctx) => {
    if (++heapTap.calls % 500 === 0) heapTap.max = Math.max(heapTap.max, v8.getHeapStatistics().used_heap_size);
    return benchScore(issue, c, ctx);
  };
  const audit = (issues, score = benchScore) => runAudit({ issues, score, now });

  audit(small); // warm-up (JIT)
  naiveAudit(small, benchScore);
  gc();
  const inputHeap = mb(process.memoryUsage().heapUsed);
  const t10k = cpu(() => audit(small));
  const memBig = await peakMemory(() => audit(big, tappedScore), heapTap);
  const memNaive = await peakMemory(() => naiveAudit(big, tappedScore), heapTap);
  const t100k = cpu(() => audit(big));
  const tNaive = cpu(() => naiveAudit(big, benchScore));
  const r = t100k.out;
  const n = tNaive.out;

  return [
    {
      name: "runAudit 100k issues: CPU",
      value: t100k.ms,
      unit: "ms",
      baseline: { name: "naive score-and-sort-all", value: tNaive.ms },
      note: `budget 2,000 ms; dominant ${r.dominant.constraint} (naive: ${n.dominant}), drift ${Math.round((r.drift.value ?? 0) * 100)}%, ${r.totals.scored} scored`,
    },
    {
      name: "runAudit 10k issues: CPU",
      value: t10k.ms,
      unit: "ms",
      baseline: { name: "100k run / 10", value: Math.round(t100k.ms) / 10 },
      note: "linear time: 10k ≈ 100k / 10",
    },
    {
      name: "runAudit 100k: peak RSS above baseline",
      value: memBig.peak,
      unit: "MB",
      baseline: { name: "naive", value: memNaive.peak },
      note: `budget 128 MB; sampled every 1 ms; input alone is ${inputHeap} MB of heap`,
    },
    {
      name: "runAudit 100k: heap high-water above baseline",
      value: memBig.heapPeak,
      unit: "MB",
      baseline: { name: "naive", value: memNaive.heapPeak },
      note: `budget 128 MB; heapUsed sampled in the score callback and at the end, GC'd before; includes young garbage (${memBig.heapGrowth} MB at end)`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await run();
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(40)} ${String(r.value).padStart(8)} ${r.unit.padEnd(3)}  ${r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : ""}  ${r.note ?? ""}`,
    );
  }
}
