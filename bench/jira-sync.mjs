/**
 * Jira connector request-cost benchmark: `npx tsx bench/jira-sync.mjs` (or via `npm run bench`).
 *
 * In-process against the Jira sandbox (no network), N = 10,000 issues:
 * - full sync: requests vs the floor ⌈N/maxResults⌉ + 3 (myself: time zone, serverInfo: site URL, field: custom-field ids);
 * - no-op re-sync from the final cursor: requests (target 1: the cursor caches time zone and field ids);
 * - incremental sync after 250 edits: requests (⌈250/100⌉ search pages with the full field list, and, as the run
 *   took more than one page, one id-only search from the first page boundary on for a row an offset-style token
 *   may have skipped; the simulator serves Atlassian's documented page size: 5,000 rows only for id/key searches,
 *   100 otherwise);
 * - write-back on 100 issues (labels + one ADF comment each): writes, then the same write-back again: writes (target 0).
 */
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { drainSync, writeBackRound } from "./tracker-sync.mjs";

register();

export async function run({ n = 10_000 } = {}) {
  const { createJiraSandbox } = await import("../sandbox/jira/index.ts");
  const { createJiraConnector } = await import("../connectors/jira/index.ts");
  const O = "http://bench.local";
  const client = { clientId: "bench", clientSecret: "bench-secret" };
  const sandbox = createJiraSandbox({ ...client, origin: O, seed: { issuesPerProject: 0 }, rateLimit: { limit: 1e9, windowMs: 60_000 } });
  const connector = createJiraConnector({
    fetch: (i, init) => sandbox.fetch(new Request(i, init)),
    apiBase: `${O}/jira/api`,
    oauthBase: `${O}/jira/auth`,
    ...client,
  });
  const site = sandbox.defaultSite();
  const auth = { accessToken: sandbox.issueToken().accessToken, siteId: site.id };
  const scope = { kind: "project", id: "AUD", name: "Auditor", siteId: site.id };
  const seeded = sandbox.seed(site.id, "AUD", n);

  const ctx = { connector, auth, scope, sandbox };
  const sync = (cursor) => drainSync(ctx, cursor);
  const t0 = performance.now();
  const full = await sync(null);
  const fullMs = performance.now() - t0;
  const noop = await sync(full.cursor);
  for (const i of seeded.slice(0, 250)) await sandbox.humanUpdate(site.id, i.key, { title: `${i.summary} (edited)` });
  const inc = await sync(noop.cursor);

  const refs = seeded.slice(0, 100).map((i) => ({ externalId: String(i.id), key: i.key, scope }));
  const writeBack = () => writeBackRound(ctx, refs);
  const wb1 = await writeBack();
  const wb2 = await writeBack();
  const floor = Math.ceil(n / connector.pageSize);
  return [
    {
      name: `full sync, ${n} issues: requests`,
      value: full.requests,
      unit: "requests",
      baseline: { name: "floor ⌈N/100⌉ + 3 discovery calls", value: floor + 3 },
      note: `floor ⌈N/${connector.pageSize}⌉ + myself + serverInfo + field; ${full.count} issues in ${Math.round(fullMs)} ms`,
    },
    { name: "no-op re-sync: requests", value: noop.requests, unit: "requests", baseline: { name: "target", value: 1 }, note: `${noop.count} issues returned` },
    {
      name: "incremental after 250 edits: requests",
      value: inc.requests,
      unit: "requests",
      baseline: { name: "⌈250/100⌉ search pages + 1 id-only check", value: Math.ceil(250 / 100) + 1 },
      note: `${inc.count} issues (search/jql, full fields, 100 a page; then ids from the first page boundary on)`,
    },
    {
      name: "write-back, 100 issues: writes",
      value: wb1.writes,
      unit: "writes",
      baseline: { name: "minimum (1 label PUT + 1 comment per issue)", value: 200 },
      note: `labels PUT + comment POST per issue; ${wb1.requests} requests in all`,
    },
    {
      name: "unchanged write-back, 100 issues: writes",
      value: wb2.writes,
      unit: "writes",
      baseline: { name: "target", value: 0 },
      note: `${wb2.requests} reads (issue labels + comment list)`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await run();
  console.table(
    rows.map((r) => ({ name: r.name, value: r.value, unit: r.unit, baseline: r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : "", note: r.note })),
  );
}
