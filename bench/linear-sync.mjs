/**
 * Linear connector request-cost benchmark: `npx tsx bench/linear-sync.mjs` (or via `npm run bench`).
 *
 * In-process against the Linear sandbox (no network), N = 10,000 issues in one team:
 * - full sync: requests vs the floor ⌈N/pageSize⌉ (one GraphQL document per page, label dictionary and the
 *   issues with customer requests included; a page with more than 50 of those pages them on);
 * - no-op re-sync from the final cursor: requests (target 1);
 * - incremental sync after 250 edits: requests (⌈(250 + 1)/pageSize⌉ = 2: the issue at the checkpoint is re-read and dropped);
 * - complexity of one sync page (sandbox's estimate of Linear's rule; cap 10,000), and of the whole full sync
 *   (against one hour's 250,000-point bucket);
 * - write-back on 100 issues (one owned label + one comment each): writes, then the same again: writes (target 0);
 * - the same full sync under the simulator's default budgets (the conservative published figures: 2,500
 *   requests and 250,000 complexity an hour), paced by the rate-limit headers on a simulated clock: how
 *   long it takes end to end (pauses included) and how many requests were refused (target 0).
 */
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { drainSync, writeBackRound } from "./tracker-sync.mjs";

register();

export async function run({ n = 10_000 } = {}) {
  const { createLinearSandbox } = await import("../sandbox/linear/index.ts");
  const { createLinearConnector } = await import("../connectors/linear/index.ts");
  const O = "http://bench.local";
  const client = { clientId: "bench", clientSecret: "bench-secret" };
  const sandbox = createLinearSandbox({
    ...client,
    basePath: "/linear",
    webhookSecret: "bench",
    seed: { issues: 0 },
    rateLimits: { requests: 1e9, complexity: 1e12 },
  });
  let lastCost = 0;
  let totalCost = 0;
  let inSandboxMs = 0;
  const fetch = async (i, init) => {
    const s0 = performance.now();
    const res = await sandbox.fetch(new Request(i, init));
    inSandboxMs += performance.now() - s0;
    lastCost = Number(res.headers.get("x-complexity") ?? 0) || lastCost;
    totalCost += Number(res.headers.get("x-complexity") ?? 0);
    return res;
  };
  const connector = createLinearConnector({ fetch, apiBase: `${O}/linear/api`, oauthBase: `${O}/linear`, ...client });
  const auth = { accessToken: sandbox.issueToken().accessToken };
  const team = sandbox.state.team("ENG");
  const scope = { kind: "team", id: team.id, name: "ENG" };
  const ids = sandbox.seedIssues(n);

  let pageCost = 0;
  const ctx = { connector, auth, scope, sandbox, onPage: () => (pageCost = Math.max(pageCost, lastCost)) };
  const sync = (cursor) => drainSync(ctx, cursor);
  const t0 = performance.now();
  const full = await sync(null);
  const fullMs = performance.now() - t0;
  const fullSandboxMs = inSandboxMs;
  const fullCost = totalCost;
  const noop = await sync(full.cursor);
  for (const id of ids.slice(0, 250)) await sandbox.humanUpdate(id, { title: "edited" });
  const inc = await sync(noop.cursor);

  const refs = ids.slice(0, 100).map((id, k) => ({ externalId: id, key: `ENG-${k + 1}`, scope }));
  const writeBack = () => writeBackRound(ctx, refs, (c) => [{ name: `constraint:${c}`, color: "5e6ad2", description: `Backlog Auditor: ${c}` }]);
  const wb1 = await writeBack();
  const wb2 = await writeBack();
  const paced = await pacedSync(n, createLinearSandbox, createLinearConnector);
  const floor = Math.ceil(n / connector.pageSize);
  return [
    {
      name: `full sync, ${n} issues: requests`,
      value: full.requests,
      unit: "requests",
      baseline: { name: `floor ⌈N/${connector.pageSize}⌉`, value: floor },
      note: `${full.count} issues in ${Math.round(fullMs)} ms, ${Math.round(fullMs - fullSandboxMs)} ms outside the simulator (connector)`,
    },
    { name: "no-op re-sync: requests", value: noop.requests, unit: "requests", baseline: { name: "target", value: 1 }, note: `${noop.count} issues returned` },
    {
      name: "incremental after 250 edits: requests",
      value: inc.requests,
      unit: "requests",
      baseline: { name: "⌈(250 + checkpoint ties)/pageSize⌉", value: Math.ceil((250 + 1) / connector.pageSize) },
      note: `${inc.count} issues returned; the issue at the checkpoint is re-read and dropped`,
    },
    {
      name: "complexity of one sync page",
      value: pageCost,
      unit: "points",
      baseline: { name: "Linear per-query cap", value: 10_000 },
      note: `first: ${connector.pageSize}, sandbox estimate of Linear's rule`,
    },
    {
      name: `full sync, ${n} issues: complexity`,
      value: fullCost,
      unit: "points",
      baseline: { name: "one hour's bucket (default budget)", value: 250_000 },
      note: "sum of x-complexity over the sync's requests",
    },
    {
      name: "write-back, 100 issues: writes",
      value: wb1.writes,
      unit: "writes",
      baseline: { name: "label create ×3 + issueUpdate + commentCreate per issue", value: 3 + 200 },
      note: `${wb1.requests} requests in all`,
    },
    {
      name: "unchanged write-back, 100 issues: writes",
      value: wb2.writes,
      unit: "writes",
      baseline: { name: "target", value: 0 },
      note: `${wb2.requests} reads (label state + comment list)`,
    },
    {
      name: `full sync, ${n} issues, default budgets (${paced.budgets.requests} req/h, ${paced.budgets.complexity.toLocaleString("en-US")} complexity/h): wall time`,
      value: Math.round(paced.wallMs / 1000),
      unit: "s",
      baseline: { name: "refused requests (target 0)", value: paced.refused },
      note: `${paced.requests} requests, ${paced.pauses} pause(s) waiting for the buckets (simulated clock), ${paced.count} issues`,
    },
  ];
}

/** A full sync against the default budgets on a simulated clock: a `rate-limited` pause advances it to `retryAt`, as the queue's delay would. */
async function pacedSync(n, createLinearSandbox, createLinearConnector) {
  const { LINEAR_DEFAULT_BUDGETS } = await import("../sandbox/linear/index.ts");
  let simulated = 0;
  const clock = () => Date.now() + simulated;
  const O = "http://bench.local";
  const client = { clientId: "bench", clientSecret: "bench-secret" };
  const sandbox = createLinearSandbox({ ...client, basePath: "/linear", webhookSecret: "bench", seed: { issues: 0 }, now: clock });
  let refused = 0;
  let requests = 0;
  const fetch = async (i, init) => {
    const res = await sandbox.fetch(new Request(i, init));
    requests++;
    if (res.status !== 200) refused++;
    return res;
  };
  const connector = createLinearConnector({ fetch, apiBase: `${O}/linear/api`, oauthBase: `${O}/linear`, ...client, now: clock });
  const auth = { accessToken: sandbox.issueToken().accessToken };
  const team = sandbox.state.team("ENG");
  const scope = { kind: "team", id: team.id, name: "ENG" };
  sandbox.seedIssues(n);
  const start = clock();
  let cursor = null;
  let count = 0;
  let pauses = 0;
  for (;;) {
    try {
      const page = await connector.listIssues(auth, scope, cursor);
      count += page.issues.length;
      cursor = page.cursor;
      if (!page.hasMore) break;
    } catch (e) {
      if (e?.code !== "rate-limited" || !e.details?.retryAt) throw e;
      pauses++;
      simulated += Math.max(0, e.details.retryAt - clock());
    }
  }
  return { wallMs: clock() - start, pauses, refused, requests, count, budgets: LINEAR_DEFAULT_BUDGETS };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await run();
  console.table(
    rows.map((r) => ({ name: r.name, value: r.value, unit: r.unit, baseline: r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : "", note: r.note })),
  );
}
