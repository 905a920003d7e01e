/**
 * Figures 2 and 4 share this: a stack whose sandbox repo `acme/webapp` holds N issues, GitHub connected
 * through the OAuth pages, and the first full sync timed from the scope pick to "every scope idle".
 * Rows written come from SQLite's `total_changes()` on the D1 connection (DEMO-only `/dev/stats`),
 * sampled before the connect and when the sync is seen finished; list requests from the sandbox's own
 * per-route counter and from `sync_state.requests_made`.
 */
import { connectTracker, waitForSync } from "../scripts/lib/demo.mjs";
import { getJson, log, sandboxStats, sleep, startStack, stats } from "./service-stack.mjs";

const LIST_ROUTE = "GET /repos/:o/:r/issues";

/**
 * Start a stack with `n` issues and time its first sync.
 * @returns {Promise<{ stack, n, syncMs, connectMs, listRequests, requestsMade, issues, rowsWritten, rowsBasis, classifyMs }>}
 */
export async function syncedStack(n, { label = `${n} issues`, syncTimeoutMs = 900_000, waitClassified = true, classifyTimeoutMs = 300_000 } = {}) {
  const stack = await startStack({ githubIssues: n, connect: false, label });
  try {
    const { workspaceId } = await getJson(`${stack.workerUrl}/dev/demo/seed`, { method: "POST" });
    stack.workspaceId = workspaceId;
    const before = await stats(stack);
    const sbBefore = (await sandboxStats(stack)).github;
    log(`${label}: connecting GitHub and timing the first sync…`);
    const t0 = performance.now();
    await connectTracker(stack.workerUrl, workspaceId, "github");
    const connectMs = performance.now() - t0;
    const progress = setInterval(() => {
      stats(stack)
        .then((s) => log(`  ${label}: ${s.syncState.map((x) => `${x.scopeId} ${x.status} ${x.issuesSynced} issues, ${x.requestsMade} requests`).join("; ")}`))
        .catch(() => {});
    }, 15_000);
    try {
      await waitForSync(stack.workerUrl, workspaceId, { timeoutMs: syncTimeoutMs });
    } finally {
      clearInterval(progress);
    }
    const syncMs = performance.now() - t0;
    const after = await stats(stack);
    const sbAfter = (await sandboxStats(stack)).github;
    const listRequests = (sbAfter.byRoute[LIST_ROUTE] ?? 0) - (sbBefore.byRoute[LIST_ROUTE] ?? 0);
    const requestsMade = after.syncState.reduce((a, s) => a + s.requestsMade, 0);
    const issuesSynced = after.syncState.reduce((a, s) => a + s.issuesSynced, 0);
    const counter = before.totalChanges !== null && after.totalChanges !== null && after.totalChanges >= before.totalChanges;
    const rowsWritten = counter ? after.totalChanges - before.totalChanges : after.issues + after.classifications + after.syncState.length;
    const rowsBasis = counter ? "total_changes()" : "table rows (issues + classifications + sync_state)";
    log(
      `${label}: synced ${issuesSynced} issues in ${(syncMs / 1000).toFixed(1)} s, ${listRequests} list requests, ${rowsWritten} rows written (${rowsBasis})`,
    );
    const out = {
      stack,
      n,
      syncMs,
      connectMs,
      listRequests,
      requestsMade,
      issues: after.issues,
      issuesSynced,
      rowsWritten,
      rowsBasis,
      classifyMs: null,
      rowsWrittenClassified: null,
      classifications: after.classifications,
    };
    if (waitClassified) {
      let s = after;
      while (s.classifications < s.issues && performance.now() - t0 - syncMs < classifyTimeoutMs) {
        await sleep(1000);
        s = await stats(stack);
      }
      out.classifications = s.classifications;
      if (s.classifications >= s.issues) out.classifyMs = performance.now() - t0 - syncMs;
      if (counter && s.totalChanges !== null) out.rowsWrittenClassified = s.totalChanges - before.totalChanges;
      log(
        `${label}: ${s.classifications}/${s.issues} classified ${out.classifyMs === null ? "(timed out)" : `${(out.classifyMs / 1000).toFixed(1)} s after the sync`}`,
      );
    }
    return out;
  } catch (e) {
    stack.stop();
    throw e;
  }
}

export function scaleRows(big, small) {
  const perIssueMs = (r) => r.syncMs / Math.max(1, r.issuesSynced);
  // GitHub's issues endpoint lists pull requests too (skipped on our side): the floor counts every listed item.
  const floor = (r) => Math.ceil(r.n / 100);
  const k = (x) => `${(x / 1000).toLocaleString("en-US")}k`;
  const rows = [
    {
      name: `scale: first sync of ${k(big.n)} issues, wall time`,
      value: big.syncMs / 1000,
      unit: "s",
      baseline: { name: `${k(small.n)} issues`, value: small.syncMs / 1000 },
      note: `${big.issuesSynced} issues synced; from the scope pick (OAuth pages ${Math.round(big.connectMs)} ms) to every scope idle`,
    },
    {
      name: `scale: sync time per 1,000 issues at ${k(big.n)}`,
      value: perIssueMs(big) * 1000,
      unit: "ms",
      baseline: { name: `at ${k(small.n)}`, value: perIssueMs(small) * 1000 },
    },
    {
      name: `scale: list requests at ${k(big.n)}`,
      value: big.listRequests,
      unit: "req",
      baseline: { name: "floor ⌈N/100⌉", value: floor(big) },
      note: `${big.n} items listed (pull requests included), sync_state.requests_made ${big.requestsMade}; at ${k(small.n)}: ${small.listRequests} vs floor ${floor(small)}`,
    },
    {
      name: `scale: D1 rows written per issue (sync) at ${k(big.n)}`,
      value: big.rowsWritten / Math.max(1, big.issuesSynced),
      unit: "rows",
      baseline: { name: `at ${k(small.n)}`, value: small.rowsWritten / Math.max(1, small.issuesSynced) },
      note: `${big.rowsWritten} rows by ${big.rowsBasis} (table rows only, index writes not counted; D1 bills meta.rows_written incl. indexes); includes classification already running when the finish was seen`,
    },
  ];
  if (big.rowsWrittenClassified !== null && small.rowsWrittenClassified !== null && big.classifyMs !== null)
    rows.push({
      name: `scale: rows written per issue incl. classification at ${k(big.n)}`,
      value: big.rowsWrittenClassified / Math.max(1, big.issuesSynced),
      unit: "rows",
      baseline: { name: `at ${k(small.n)}`, value: small.rowsWrittenClassified / Math.max(1, small.issuesSynced) },
      note: `classified ${(big.classifyMs / 1000).toFixed(0)} s after the sync (${k(small.n)}: ${((small.classifyMs ?? NaN) / 1000).toFixed(0)} s)`,
    });
  return rows;
}
