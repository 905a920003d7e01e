/**
 * Service benchmarks on the local stack (`wrangler dev` + the sandbox trackers), each figure beside a
 * baseline measured in the same run: `node --import tsx bench/run.mjs service`.
 *
 * 1. webhook intake (bench/service-intake.mjs)   — signed deliveries at a fixed rate; exactly-once count
 * 3. end to end issue edit → label written back  (bench/service-e2e.mjs)
 *    (1 and 3 share a stack whose sandbox repo acme/webapp has 300 items; after the first write-back
 *    labels every confident verdict, the e2e samples need issues still without a constraint label)
 * 2. report API for a 10,000-issue workspace     (bench/service-report.mjs)
 * 4. scale: first sync of BENCH_SCALE_N issues vs 10,000 (bench/service-scale.mjs)
 *
 * Knobs (env): BENCH_SCALE_N (default 100000; 0 skips), BENCH_INTAKE_RATE (600), BENCH_INTAKE_SECONDS (30),
 * BENCH_E2E_N (20), BENCH_REPORT_SECONDS (15), BENCH_SCALE_CLASSIFY=1 (also wait for the big workspace's
 * classification). Each stack gets a fresh temp D1 and free ports; everything is stopped at the end.
 * The Worker runs from a copy of the sources taken at the start (see frozenSources in service-stack.mjs):
 * `wrangler dev` restarts on every source edit, which would drop in-flight queue messages mid-figure.
 */
import { pathToFileURL } from "node:url";
import { e2eRows, runE2E } from "./service-e2e.mjs";
import { INTAKE_PROFILE, intakeRows, runIntake } from "./service-intake.mjs";
import { REPORT_PROFILE, reportRows, runReport } from "./service-report.mjs";
import { scaleRows, syncedStack } from "./service-scale.mjs";
import { getJson, log, startStack } from "./service-stack.mjs";

const num = (name, fallback) => {
  const v = process.env[name];
  return v === undefined || v === "" || !Number.isFinite(Number(v)) ? fallback : Number(v);
};
const SMALL_REPO_ISSUES = 300;
const errorRow = (figure, e) => ({ name: `${figure}: error`, value: String(e?.message ?? e).slice(0, 300), unit: "" });

export async function run() {
  const rows = [];
  const started = performance.now();
  const stopAll = [];
  const onSignal = () => {
    for (const s of stopAll) s();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // Stack 1: a small repo, figures 3 (write mode on) then 1 (write mode off again, so the
    // intake load measures intake and processing, not write-back traffic).
    let small = null;
    try {
      small = await startStack({ label: "small stack", githubIssues: SMALL_REPO_ISSUES });
      stopAll.push(small.stop);
      try {
        rows.push(...e2eRows(await runE2E(small, { n: num("BENCH_E2E_N", 20) })));
      } catch (e) {
        rows.push(errorRow("e2e", e));
      }
      await getJson(`${small.workerUrl}/api/v1/workspaces/${small.workspaceId}/settings`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ writeMode: "off" }),
      });
      const profile = {
        ...INTAKE_PROFILE,
        overallRate: num("BENCH_INTAKE_RATE", INTAKE_PROFILE.overallRate),
        duration: num("BENCH_INTAKE_SECONDS", INTAKE_PROFILE.duration),
      };
      try {
        rows.push(...intakeRows(await runIntake(small, profile)));
      } catch (e) {
        rows.push(errorRow("webhook intake", e));
      }
    } catch (e) {
      rows.push(errorRow("small stack", e));
    } finally {
      small?.stop();
    }

    // Stack 2: 10,000 issues — the scale baseline, then the report API.
    let base = null;
    try {
      base = await syncedStack(10_000, { label: "10k stack" });
      stopAll.push(base.stack.stop);
      try {
        rows.push(...reportRows(await runReport(base.stack, { ...REPORT_PROFILE, duration: num("BENCH_REPORT_SECONDS", REPORT_PROFILE.duration) })));
      } catch (e) {
        rows.push(errorRow("report API", e));
      }
    } catch (e) {
      rows.push(errorRow("10k stack", e));
    } finally {
      base?.stack.stop();
    }

    // Stack 3: BENCH_SCALE_N issues.
    const n = num("BENCH_SCALE_N", 100_000);
    if (n > 0 && base) {
      let big = null;
      try {
        big = await syncedStack(n, { label: `${n / 1000}k stack`, waitClassified: process.env.BENCH_SCALE_CLASSIFY === "1", syncTimeoutMs: 20 * 60_000 });
        stopAll.push(big.stack.stop);
        if (!big.classifyMs) base = { ...base, rowsWrittenClassified: null };
        rows.push(...scaleRows(big, base));
      } catch (e) {
        rows.push(errorRow("scale", e));
      } finally {
        big?.stack.stop();
      }
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const s of stopAll) s();
    log(`service benchmarks took ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await run();
  console.table(rows.map((r) => ({ ...r, baseline: r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : "" })));
}
