/**
 * CPU per unit of work, queue-invocation limits, throughput and latency on the built Worker under
 * Miniflare (no `wrangler dev` proxy; bench/miniflare-stack.mjs), each beside `GET /health`
 * measured the same way in the same run. One stack: the sandbox repo with BENCH_CAPACITY_N issues
 * (default 10,000), connected, synced, classified and audited by the queue.
 *
 * CPU is the workerd process's own CPU time (/proc utime + stime, 10 ms ticks), read before and
 * after a run of N units, so the load of other processes on the machine does not enter it. The
 * process also runs D1 (SQLite) and the queue broker, so a unit's CPU includes its queries.
 *
 * Knobs: BENCH_CAPACITY_N (10000), BENCH_INTAKE_RATE (600), BENCH_INTAKE_SECONDS (15),
 * BENCH_REPORT_SECONDS (10).
 */
import { connectAndSync, log, startMiniflareStack } from "./miniflare-stack.mjs";
import { INTAKE_PROFILE, githubEditedDelivery, intakeRows, runIntake } from "./service-intake.mjs";
import { REPORT_PROFILE, reportRows, runReport } from "./service-report.mjs";
import { getJson, readVars, sleep, stats, waitQuiet } from "./service-stack.mjs";

const num = (name, fallback) => {
  const v = process.env[name];
  return v === undefined || v === "" || !Number.isFinite(Number(v)) ? fallback : Number(v);
};

/** Workers Paid limits (developers.cloudflare.com/workers/platform/limits, /d1/platform/limits, /queues/platform/limits). */
export const PAID = { cpuMsDefault: 30_000, cpuMsMax: 300_000, subrequests: 10_000, d1Queries: 1_000 };
export const FREE = { cpuMs: 10, subrequests: 50, d1Queries: 50 };

/** Run `count` requests with `concurrency` in flight; returns the workerd CPU and wall time they took. */
async function cpuOf(stack, count, concurrency, request) {
  const c0 = stack.cpuMs();
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const res = await request(i);
        if (!res.ok) failed++;
        await res.arrayBuffer();
      }
    }),
  );
  return { cpuMs: stack.cpuMs() - c0, wallMs: performance.now() - t0, count, failed };
}

function signedDelivery(stack, secret, issue, n) {
  const { body, headers } = githubEditedDelivery(stack, secret, issue, `Checkout crashes on save for customers (${n})`, "Edited by the capacity benchmark.");
  return fetch(`${stack.workerUrl}/webhooks/github`, { method: "POST", body, headers });
}

/** Webhook deliveries end to end: intake, then the queue applies them; CPU until none is `queued` and the stack is quiet. */
async function webhookCpu(stack, n, healthCpu) {
  const secret = readVars().GITHUB_WEBHOOK_SECRET;
  const { items } = await getJson(`${stack.workerUrl}/dev/bench/issues?workspaceId=${stack.workspaceId}&limit=1000`);
  const issues = items.filter((i) => i.key.startsWith("acme/webapp#")).map((i) => ({ ...i, number: Number(i.key.split("#")[1]) }));
  await waitQuiet(stack);
  const before = await stats(stack);
  const c0 = stack.cpuMs();
  const sent = await cpuOf(stack, n, 4, (i) => signedDelivery(stack, secret, issues[i % issues.length], i));
  let polls = 1;
  let s = await stats(stack);
  for (let t = 0; (s.deliveries.queued ?? 0) > 0 && t < 120; t++) {
    await sleep(1000);
    s = await stats(stack);
    polls++;
  }
  const quiet = await waitQuiet(stack, { quietMs: 2000 });
  polls += Math.ceil((quiet ?? 0) / 500) + 2;
  // The bench's own /dev/stats polls are charged at the no-op's CPU and taken off.
  const cpuMs = stack.cpuMs() - c0 - polls * healthCpu;
  const processed = (s.deliveries.processed ?? 0) - (before.deliveries.processed ?? 0);
  return { cpuMs, n, processed, intakeCpuMs: sent.cpuMs, failed: sent.failed };
}

export async function run() {
  const n = num("BENCH_CAPACITY_N", 10_000);
  const rows = [];
  const stack = await startMiniflareStack({ githubIssues: n, label: `${n / 1000}k capacity` });
  try {
    log(`connecting and syncing ${n} issues…`);
    const idle0 = stack.cpuMs();
    await sleep(3000);
    const idleMsPerS = (stack.cpuMs() - idle0) / 3;
    const sync = await connectAndSync(stack, { timeoutMs: 30 * 60_000 });
    const s0 = await stats(stack);
    const pages = s0.syncState.reduce((a, x) => a + x.requestsMade, 0);
    const syncedIssues = s0.syncState.reduce((a, x) => a + x.issuesSynced, 0);
    const c1 = stack.cpuMs();
    const t1 = performance.now();
    await waitQuiet(stack, { quietMs: 3000, timeoutMs: 20 * 60_000 });
    const afterSyncCpu = stack.cpuMs() - c1;
    const afterSyncMs = performance.now() - t1;
    const s1 = await stats(stack);
    log(
      `synced ${syncedIssues} issues in ${pages} pages (${(sync.syncMs / 1000).toFixed(1)} s); classification + audit after it took ${(afterSyncMs / 1000).toFixed(1)} s`,
    );

    // D1 rows written per second by the first sync (the product's own write path).
    const rowsPerS = s0.totalChanges / (sync.syncMs / 1000);

    const api = `${stack.workerUrl}/api/v1/workspaces/${stack.workspaceId}`;
    const health = await cpuOf(stack, 400, 1, () => fetch(`${stack.workerUrl}/health`));
    const healthCpu = health.cpuMs / health.count;
    const latest = await cpuOf(stack, 200, 1, () => fetch(`${api}/audits/latest`));
    const head = await getJson(`${api}/audits/latest`);
    const one = await cpuOf(stack, 40, 1, () => fetch(`${api}/audits/${head.id}`));
    const page = await cpuOf(stack, 20, 1, () => fetch(`${stack.workerUrl}/w/${stack.workspaceId}/report`));
    const audit = await cpuOf(stack, 3, 1, () => fetch(`${api}/audits`, { method: "POST" }));
    const hooks = await webhookCpu(stack, 200, healthCpu);

    const per = (r) => r.cpuMs / r.count;
    const base = { name: "GET /health (no-op) per request", value: healthCpu };
    const note = (r) => `${r.count} requests, 1 at a time, ${Math.round(r.wallMs / r.count)} ms wall each${r.failed ? `, ${r.failed} non-2xx` : ""}`;
    rows.push({
      name: "CPU: no-op route GET /health",
      value: healthCpu,
      unit: "ms",
      note: `${note(health)}; reads D1 once (migration check); workerd idle ${idleMsPerS.toFixed(1)} ms CPU/s`,
    });
    rows.push({
      name: "CPU: webhook delivery, intake + its queue processing",
      value: hooks.cpuMs / hooks.n,
      unit: "ms",
      baseline: base,
      note: `${hooks.n} signed issues.edited, 4 in flight; ${hooks.processed} processed; ${(hooks.intakeCpuMs / hooks.n).toFixed(2)} ms of it while sending (processing overlaps); incl. classify + write-back plan`,
    });
    rows.push({
      name: "CPU: sync page of 100 issues (first sync)",
      value: sync.syncCpuMs / Math.max(1, pages),
      unit: "ms",
      baseline: base,
      note: `${pages} pages, ${syncedIssues} issues; includes the bench's status polls every 500 ms (upper bound)`,
    });
    rows.push({ name: "CPU: report view, GET /audits/latest (isolate cache)", value: per(latest), unit: "ms", baseline: base, note: note(latest) });
    rows.push({ name: "CPU: report view, GET /audits/:id (D1 + gunzip)", value: per(one), unit: "ms", baseline: base, note: note(one) });
    rows.push({ name: "CPU: report view, HTML report page", value: per(page), unit: "ms", baseline: base, note: note(page) });
    rows.push({
      name: `CPU: audit of ${(s1.issues / 1000).toFixed(1)}k issues (POST /audits)`,
      value: per(audit),
      unit: "ms",
      baseline: base,
      note: `${note(audit)}; load, audit core, gzip, store, prune, read back`,
    });
    rows.push({
      name: "CPU: classification + audit + write-back plan after the first sync",
      value: afterSyncCpu,
      unit: "ms",
      note: `${(afterSyncMs / 1000).toFixed(1)} s wall; ${s1.classifications} classified`,
    });
    rows.push({
      name: "D1 rows written per second during the first sync",
      value: rowsPerS,
      unit: "rows/s",
      note: `total_changes() ${s0.totalChanges} over ${(sync.syncMs / 1000).toFixed(1)} s; paced by the tracker pages, not the writer`,
    });

    // Every queue invocation at 100,000 issues, against the Workers Paid limits.
    const scale = 100_000 / Math.max(1, s1.issues);
    const auditAt100k = per(audit) * scale;
    const auditQueries = Math.ceil(100_000 / 1000) + 8;
    rows.push({
      name: "queue: audit job at 100k issues, CPU (extrapolated ×10, linear)",
      value: auditAt100k,
      unit: "ms",
      baseline: { name: "Workers Paid CPU per invocation (default)", value: PAID.cpuMsDefault },
      note: `measured ${per(audit).toFixed(0)} ms at ${s1.issues}; Free plan allows ${FREE.cpuMs} ms`,
    });
    rows.push({
      name: "queue: audit job at 100k issues, D1 queries",
      value: auditQueries,
      unit: "queries",
      baseline: { name: "D1 queries per invocation, Workers Paid", value: PAID.d1Queries },
      note: `pages of 1,000 issues + settings, history, insert, prune; Free allows ${FREE.d1Queries}; no tracker fetches`,
    });
    rows.push({
      name: "queue: sync-page job (8 pages of 100), CPU — independent of workspace size",
      value: (8 * sync.syncCpuMs) / Math.max(1, pages),
      unit: "ms",
      baseline: { name: "Workers Paid CPU per invocation (default)", value: PAID.cpuMsDefault },
      note: `PAGES_PER_JOB = 8: 8 tracker requests (+1 token refresh at most) of ${PAID.subrequests.toLocaleString("en-US")} subrequests (Free: ${FREE.subrequests}); ~4 D1 queries per page`,
    });
    rows.push({
      name: "queue: classify job (400 issues), CPU",
      value: (afterSyncCpu * 400) / Math.max(1, s1.classifications),
      unit: "ms",
      baseline: { name: "Workers Paid CPU per invocation (default)", value: PAID.cpuMsDefault },
      note: "CLASSIFY_CHUNK = 400 per invocation, whatever the workspace size; upper bound (the post-sync CPU also holds the audit and write-back plan)",
    });
    rows.push({
      name: "queue: webhook batch of 10 deliveries, CPU",
      value: (hooks.cpuMs / hooks.n) * 10,
      unit: "ms",
      baseline: { name: "Workers Paid CPU per invocation (default)", value: PAID.cpuMsDefault },
      note: "max_batch_size 10 (wrangler.toml); per-delivery CPU × 10",
    });

    // Throughput and latency, each beside /health under the same profile.
    const intakeProfile = { ...INTAKE_PROFILE, overallRate: num("BENCH_INTAKE_RATE", 600), duration: num("BENCH_INTAKE_SECONDS", 15) };
    try {
      const r = await runIntake(stack, intakeProfile);
      rows.push(...intakeRows(r).map((x) => ({ ...x, name: x.name.replace("webhook intake", "intake (Miniflare)") })));
      rows.push({ name: "intake (Miniflare): rate ÷ no-op rate", value: r.hooks.rps / r.health.rps, unit: "×", baseline: { name: "target ≥", value: 0.5 } });
      rows.push({
        name: "intake (Miniflare): p99 ÷ no-op p99",
        value: r.hooks.p99 / Math.max(1, r.health.p99),
        unit: "×",
        baseline: { name: "target ≤", value: 2 },
      });
    } catch (e) {
      rows.push({ name: "intake (Miniflare): error", value: String(e.message ?? e).slice(0, 300), unit: "" });
    }
    try {
      const r = await runReport(stack, { ...REPORT_PROFILE, duration: num("BENCH_REPORT_SECONDS", 10) });
      rows.push(...reportRows(r).map((x) => ({ ...x, name: x.name.replace("report API", "report API (Miniflare)") })));
      rows.push({
        name: "report API (Miniflare), 50 clients: p95 ÷ no-op p95",
        value: r.latest.p95 / Math.max(0.5, r.health.p95),
        unit: "×",
        baseline: { name: "target ≤", value: 2 },
      });
      rows.push({
        name: "report API (Miniflare), 1 client: p95 ÷ no-op p95",
        value: r.latest1.p95 / Math.max(0.5, r.health1.p95),
        unit: "×",
        baseline: { name: "target ≤", value: 2 },
      });
    } catch (e) {
      rows.push({ name: "report API (Miniflare): error", value: String(e.message ?? e).slice(0, 300), unit: "" });
    }

    // The single writer, measured from inside the Worker (DEMO-only POST /dev/bench/writes): 1 KB rows.
    try {
      const writes = (rows, batch) => getJson(`${stack.workerUrl}/dev/bench/writes?rows=${rows}&batch=${batch}`, { method: "POST" });
      const single = await writes(1000, 1);
      const batched = await writes(10_000, 100);
      const t = performance.now();
      await Promise.all(Array.from({ length: 4 }, () => writes(500, 1)));
      const parallel = 2000 / ((performance.now() - t) / 1000);
      const rate = (r) => r.rows / (r.ms / 1000);
      rows.push({
        name: "D1 writer: single-row INSERTs, one at a time",
        value: rate(single),
        unit: "rows/s",
        baseline: { name: "4 invocations writing at once (total)", value: parallel },
        note: "1 KB rows from inside the Worker; one SQLite writer, so parallel invocations queue",
      });
      rows.push({
        name: "D1 writer: INSERTs in batches of 100 (one transaction each)",
        value: rate(batched),
        unit: "rows/s",
        baseline: { name: "single-row INSERTs", value: rate(single) },
        note: "local SQLite on a shared 2-core machine; D1 in production adds a network hop per statement",
      });
    } catch (e) {
      rows.push({ name: "D1 writer: error", value: String(e.message ?? e).slice(0, 300), unit: "" });
    }
  } finally {
    await stack.stop();
  }
  return rows;
}
