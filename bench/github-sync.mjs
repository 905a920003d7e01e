/**
 * GitHub connector request-cost benchmark: `npx tsx bench/github-sync.mjs` (or via `npm run bench`).
 *
 * In-process against the GitHub sandbox (no network), N = 10,000 issues in one repository:
 * - full sync: list requests per 1,000 issues vs the floor ⌈N/100⌉ (GitHub's max page is 100);
 * - no-op re-sync from the final cursor: requests (target 1);
 * - write-back of one owned label + one bot comment on every issue: reads and writes per 1,000 issues;
 * - the same write-back again: writes (target 0: both writes are `ensure*` and converge).
 * Request counts come from the sandbox's own stats. The primary budget is lifted and the secondary
 * limit is off here: on real GitHub the first write-back (2 writes per issue) is paced by the
 * ~80 content-creating requests per minute limit, which the pipeline must honour.
 */
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { drainSync } from "./tracker-sync.mjs";

register();

const CONSTRAINTS = ["activation", "adoption", "reliability", "operations", "throughput"];

export async function run({ n = 10_000 } = {}) {
  const { createGithubSandbox } = await import("../sandbox/github/index.ts");
  const { createGithubConnector } = await import("../connectors/github/index.ts");
  const O = "http://bench.local";
  const client = { clientId: "Iv1.bench", clientSecret: "bench-secret" };
  const repo = "acme/bench";
  const sandbox = createGithubSandbox({ ...client, webhookSecret: "bench", seed: { repos: [{ fullName: repo, issues: n, pullRequestShare: 0 }] } });
  sandbox.limits.primary.limit = 1e9;
  const fetch = (i, init) => sandbox.fetch(new Request(i, init));
  const connector = createGithubConnector({ fetch, apiBase: `${O}/github/api`, oauthBase: `${O}/github`, ...client, webhookSecret: "bench" });
  const auth = { accessToken: sandbox.issueInstallationToken(undefined, 24 * 3600_000) };
  const scope = { kind: "repo", id: repo, name: repo };
  const per1000 = (x) => Math.round((x / n) * 1000 * 10) / 10;
  const floor = per1000(Math.ceil(n / connector.pageSize));

  const sync = (cursor) => drainSync({ connector, auth, scope, sandbox }, cursor);

  const t0 = performance.now();
  const full = await sync(null);
  const fullMs = Math.round(performance.now() - t0);
  const noop = await sync(full.cursor);

  const definitions = CONSTRAINTS.map((c) => ({ name: `auditor:${c}`, color: "5319e7", description: `Backlog Auditor: ${c}` }));
  const writeBack = async () => {
    sandbox.resetStats();
    const started = performance.now();
    for (const [k, issue] of full.issues.entries()) {
      const constraint = CONSTRAINTS[k % CONSTRAINTS.length];
      const ref = { externalId: issue.externalId, key: issue.key, scope };
      await connector.ensureLabels(auth, ref, { desired: [`auditor:${constraint}`], isOwned: (l) => l.startsWith("auditor:"), definitions });
      await connector.ensureComment(auth, ref, "backlog-auditor:v1", `**Backlog Auditor**: ${constraint} (confidence 0.8)`);
      if (k % 500 === 0) sandbox.outbox.drain(); // webhooks are produced; nobody listens here
    }
    sandbox.outbox.drain();
    return { ms: Math.round(performance.now() - started), reads: sandbox.stats.reads, writes: sandbox.stats.writes };
  };
  const first = await writeBack();
  const second = await writeBack();

  return [
    {
      name: `full sync of ${n.toLocaleString("en-US")} issues: requests per 1,000`,
      value: per1000(full.requests),
      unit: "req/1k",
      baseline: { name: "floor ⌈N/100⌉ per 1k", value: floor },
      note: `${full.requests} requests, ${full.count} issues, ${fullMs} ms; each page restarts at the last updated_at (1 overlap) so mid-sync edits cannot shift issues past the walk`,
    },
    {
      name: "no-op re-sync from the final cursor: requests",
      value: noop.requests,
      unit: "req",
      baseline: { name: "target", value: 1 },
      note: `${noop.count} issues returned`,
    },
    {
      name: "write-back (label + comment on every issue): writes per 1,000",
      value: per1000(first.writes),
      unit: "req/1k",
      baseline: { name: "minimum (1 label add + 1 comment create)", value: 2000 },
      note: `${first.writes} writes, ${first.ms} ms; on github.com ≥ ${Math.ceil(first.writes / 80)} min at 80 writes/min (secondary limit)`,
    },
    {
      name: "write-back: reads per 1,000",
      value: per1000(first.reads),
      unit: "req/1k",
      baseline: { name: "floor ⌈N/100⌉ per 1k", value: floor },
      note: `${first.reads} reads: current labels + comments per issue (the Connector gets only a ref), repo labels once`,
    },
    {
      name: "same write-back again: writes per 1,000",
      value: per1000(second.writes),
      unit: "req/1k",
      baseline: { name: "target", value: 0 },
      note: `${second.writes} writes, ${second.ms} ms`,
    },
    {
      name: "same write-back again: reads per 1,000",
      value: per1000(second.reads),
      unit: "req/1k",
      baseline: { name: "floor ⌈N/100⌉ per 1k", value: floor },
      note: `${second.reads} reads`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const n = Number(process.argv[2] ?? 10_000);
  const rows = await run({ n });
  const lines = [
    ["figure", "value", "unit", "baseline", "note"],
    ...rows.map((r) => [r.name, String(r.value), r.unit, r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : "", r.note ?? ""]),
  ];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const [k, l] of lines.entries()) {
    console.log(l.map((c, i) => c.padEnd(i === 4 ? 0 : widths[i])).join("  "));
    if (k === 0) console.log(widths.map((w) => "-".repeat(Math.min(w, 40))).join("  "));
  }
}
