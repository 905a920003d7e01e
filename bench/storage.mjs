/**
 * `npm run bench -- storage`: what a tenant costs in D1. For each size, a fresh local D1 is
 * filled through the normal paths on the built Worker (Miniflare, bench/miniflare-stack.mjs):
 * the sandbox GitHub repo is connected through the OAuth pages, synced by the queue, classified
 * and audited by the queue, then more audits are run through `POST /audits`. The SQLite file is
 * then read with SQLite's `dbstat` (bytes per table, indexes included).
 *
 * Baselines in the same run: each run's report as the JSON text stored before migration 0009
 * (no compression, no retention), and the projection for that format.
 *
 * Knobs: BENCH_STORAGE_SIZES (default "1000,10000"; add 100000 to measure it, ~10+ min here),
 * BENCH_STORAGE_AUDITS (extra audits per size, default 35 at ≤ 1k, 5 above).
 */
import { DatabaseSync } from "node:sqlite";
import { gunzipSync } from "node:zlib";
import { connectAndSync, log, startMiniflareStack } from "./miniflare-stack.mjs";
import { getJson, waitQuiet } from "./service-stack.mjs";

const KEEP_RUNS = 30; // the default retention window (src/db/audits.ts DEFAULT_REPORT_RETENTION)
const DAYS = 365;
const MB = 1_000_000;

function tableBytes(file) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const owner = new Map(
      db
        .prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
        .all()
        .map((r) => [r.name, r.tbl_name]),
    );
    const out = {};
    for (const r of db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all()) {
      const t = owner.get(r.name) ?? r.name;
      out[t] = (out[t] ?? 0) + Number(r.bytes);
    }
    const count = (t) => Number(db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n);
    const runs = db.prepare("SELECT length(summary) AS s, report_gz, length(report) AS legacy FROM audit_runs").all();
    const kept = runs.filter((r) => r.report_gz);
    const pageSize = Number(db.prepare("PRAGMA page_size").get().page_size);
    const pages = Number(db.prepare("PRAGMA page_count").get().page_count);
    const free = Number(db.prepare("PRAGMA freelist_count").get().freelist_count);
    return {
      bytes: out,
      fileBytes: pageSize * pages,
      freeBytes: pageSize * free,
      issues: count("issues"),
      classifications: count("classifications"),
      runs: runs.length,
      kept: kept.length,
      summaryAvg: runs.reduce((a, r) => a + Number(r.s), 0) / Math.max(1, runs.length),
      gzAvg: kept.reduce((a, r) => a + r.report_gz.byteLength, 0) / Math.max(1, kept.length),
      jsonAvg: kept.reduce((a, r) => a + gunzipSync(r.report_gz).byteLength, 0) / Math.max(1, kept.length),
      gzTotal: kept.reduce((a, r) => a + r.report_gz.byteLength, 0),
    };
  } finally {
    db.close();
  }
}

async function measure(n, audits) {
  const stack = await startMiniflareStack({ githubIssues: n, label: `${n / 1000}k storage` });
  try {
    const sync = await connectAndSync(stack, { timeoutMs: 30 * 60_000 });
    log(`${n}: synced in ${(sync.syncMs / 1000).toFixed(1)} s; waiting for classification and the sync's audit…`);
    await waitQuiet(stack, { quietMs: 3000, timeoutMs: 20 * 60_000 });
    const api = `${stack.workerUrl}/api/v1/workspaces/${stack.workspaceId}`;
    for (let i = 0; i < audits; i++) await getJson(`${api}/audits`, { method: "POST" });
    await waitQuiet(stack, { quietMs: 2000 });
    const file = stack.sqliteFiles().find((f) => !f.endsWith("metadata.sqlite"));
    await stack.mf.dispose();
    stack.mf = null;
    return { n, ...tableBytes(file), syncMs: sync.syncMs };
  } finally {
    await stack.stop();
  }
}

export async function run() {
  const sizes = (process.env.BENCH_STORAGE_SIZES ?? "1000,10000")
    .split(",")
    .map(Number)
    .filter((x) => x > 0);
  const rows = [];
  const results = [];
  for (const n of sizes) {
    const audits = Number(process.env.BENCH_STORAGE_AUDITS ?? (n <= 1000 ? 35 : 5));
    try {
      results.push(await measure(n, audits));
    } catch (e) {
      rows.push({ name: `${n / 1000}k: error`, value: String(e.message ?? e).slice(0, 300), unit: "" });
    }
  }
  const k = (n) => `${(n / 1000).toLocaleString("en-US")}k`;
  for (const r of results) {
    const perIssue = r.bytes.issues / Math.max(1, r.issues);
    const perCls = r.bytes.classifications / Math.max(1, r.classifications);
    const runBytes = r.bytes.audit_runs / Math.max(1, r.runs);
    const prunedRow = (r.bytes.audit_runs - r.gzTotal) / Math.max(1, r.runs);
    rows.push({
      name: `${k(r.n)}: bytes per issue (issues table + indexes)`,
      value: perIssue,
      unit: "B",
      note: `${r.issues} issues (the sandbox lists pull requests too, skipped); dbstat pages, so includes page slack`,
    });
    rows.push({
      name: `${k(r.n)}: bytes per classification (+ indexes)`,
      value: perCls,
      unit: "B",
      note: `${r.classifications} classifications; reasons and score reasons as JSON`,
    });
    rows.push({
      name: `${k(r.n)}: bytes per audit run, report kept (gzip)`,
      value: prunedRow + r.gzAvg,
      unit: "B",
      baseline: { name: "same report as JSON text (pre-0009)", value: prunedRow + r.jsonAvg },
      note: `report ${Math.round(r.gzAvg)} B gzip vs ${Math.round(r.jsonAvg)} B JSON (${(r.jsonAvg / Math.max(1, r.gzAvg)).toFixed(1)}×); ${r.runs} runs, ${r.kept} reports kept (window ${KEEP_RUNS})`,
    });
    rows.push({
      name: `${k(r.n)}: bytes per audit run past the window (summary only)`,
      value: prunedRow,
      unit: "B",
      note: `summary JSON ${Math.round(r.summaryAvg)} B + row and index; audit_runs ${Math.round(runBytes)} B per run on average now`,
    });
    const other = Object.entries(r.bytes)
      .filter(([t]) => !["issues", "classifications", "audit_runs"].includes(t))
      .reduce((a, [, b]) => a + b, 0);
    rows.push({
      name: `${k(r.n)}: database file`,
      value: r.fileBytes / MB,
      unit: "MB",
      note: `issues ${(r.bytes.issues / MB).toFixed(2)}, classifications ${(r.bytes.classifications / MB).toFixed(2)}, audit_runs ${(r.bytes.audit_runs / MB).toFixed(2)}, other tables ${(other / MB).toFixed(2)}, free pages ${(r.freeBytes / MB).toFixed(2)} MB`,
    });
  }
  // Projections: issues and classifications per issue from the largest measured size; the report's
  // size from the largest size too (it holds top-N tables, so it barely grows with the backlog: compare
  // the rows above); a summary-only run from the size with the most runs (page overhead amortised).
  const big = results[results.length - 1];
  const many = [...results].sort((a, b) => b.runs - a.runs)[0];
  if (big && many) {
    const perIssue = (big.bytes.issues + big.bytes.classifications) / Math.max(1, big.issues);
    const prunedRow = (many.bytes.audit_runs - many.gzTotal) / Math.max(1, many.runs);
    const project = (issues, runs) => {
      const base = perIssue * issues;
      return { now: base + runs * prunedRow + Math.min(KEEP_RUNS, runs) * big.gzAvg, old: base + runs * (prunedRow + big.jsonAvg) };
    };
    const basis = `issues + classifications ${Math.round(perIssue)} B/issue at ${k(big.n)}, summary-only run ${Math.round(prunedRow)} B (${many.runs} runs at ${k(many.n)}), report ${Math.round(big.gzAvg)} B gzip / ${Math.round(big.jsonAvg)} B JSON at ${k(big.n)}`;
    const y = project(10_000, DAYS);
    rows.push({
      name: "10k-issue workspace, a year of daily audits (365 runs)",
      value: y.now / MB,
      unit: "MB",
      baseline: { name: "pre-0009: every report kept as JSON", value: y.old / MB },
      note: `target < 100 MB; ${basis}; the last ${KEEP_RUNS} reports kept`,
    });
    // Past the report window the history is daily (pruneAuditReports): a year of 15-min audits keeps
    // the window's runs plus one summary per day; without the thinning every summary stays.
    const q = project(10_000, DAYS + KEEP_RUNS);
    const qAll = project(10_000, DAYS * 96);
    rows.push({
      name: "10k-issue workspace, a year of 15-min cron audits (35,040 runs, daily past the window)",
      value: q.now / MB,
      unit: "MB",
      baseline: { name: "every 15-min summary kept (before the daily thinning)", value: qAll.now / MB },
      note: `target < 100 MB; the cron enqueues an audit per workspace every 15 minutes (src/sync/cron.ts); ${DAYS + KEEP_RUNS} runs stored: the last ${KEEP_RUNS} with reports, one summary per earlier day; pre-0009 format with every run ${Math.round(qAll.old / MB)} MB`,
    });
    const h = project(100_000, DAYS);
    const measured100k = results.some((r) => r.n >= 100_000);
    rows.push({
      name: `100k-issue workspace, a year of daily audits${measured100k ? "" : " (extrapolated)"}`,
      value: h.now / MB,
      unit: "MB",
      baseline: { name: "pre-0009 format", value: h.old / MB },
      note: measured100k
        ? basis
        : `issues and classifications scaled linearly from ${k(big.n)}, report size held; not measured (BENCH_STORAGE_SIZES=1000,10000,100000 measures it)`,
    });
    rows.push({
      name: "10k-issue workspaces (a year of daily audits) per 10 GB D1",
      value: Math.floor((10_000 * MB) / y.now),
      unit: "workspaces",
      baseline: { name: "pre-0009 format", value: Math.floor((10_000 * MB) / y.old) },
      note: "D1 maximum database size 10 GB (Workers Paid)",
    });
    rows.push({
      name: "issues per 10 GB D1 (issues + classifications only)",
      value: Math.floor((10_000 * MB) / perIssue),
      unit: "issues",
      note: "the ceiling before any audit history",
    });
  }
  return rows;
}
