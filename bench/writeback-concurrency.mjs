/**
 * Write-back concurrency benchmark: `npm run bench -- concurrency`.
 *
 * A first write-back of 100 issues (one owned label + one bot comment each, 200 write actions) against
 * each tracker's sandbox, run the way `src/services/writeback.ts` runs it (`src/services/bounded.ts`:
 * the first write of each new label alone, then the rest with p-limit at the connector's
 * `writeConcurrency`), beside the sequential baseline (one write at a time) on a fresh sandbox.
 * Each request waits a simulated 40 ms round trip before the sandbox answers (in-process the sandbox
 * answers in microseconds, so without it concurrency could not show); wall times are for that latency.
 * Request and write counts are the sandbox's own and must be the same in both runs.
 *
 * Then the undo of that run, the way `undoWritebackRun` runs it: each issue's current labels read
 * from the tracker, then one label removal and one comment deletion per issue (200 reverts), with
 * the same bound (reads and writes); beside it the sequential undo (what undo did before it was
 * bounded: one read, then one write, at a time) of the sequential run.
 */
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();

const RTT_MS = 40;
const N = 100;
const CONSTRAINTS = ["reliability", "adoption", "throughput"];
const delayed = (sandbox) => async (i, init) => {
  const req = new Request(i, init);
  await new Promise((r) => setTimeout(r, RTT_MS));
  return sandbox.fetch(req);
};

async function linear() {
  const { createLinearSandbox } = await import("../sandbox/linear/index.ts");
  const { createLinearConnector } = await import("../connectors/linear/index.ts");
  const client = { clientId: "bench", clientSecret: "bench-secret" };
  const sandbox = createLinearSandbox({
    ...client,
    basePath: "/linear",
    webhookSecret: "bench",
    seed: { issues: 0 },
    rateLimits: { requests: 1e9, complexity: 1e12 },
  });
  const connector = createLinearConnector({
    fetch: delayed(sandbox),
    apiBase: "http://bench.local/linear/api",
    oauthBase: "http://bench.local/linear",
    ...client,
  });
  const team = sandbox.state.team("ENG");
  const scope = { kind: "team", id: team.id, name: "ENG" };
  const refs = sandbox.seedIssues(N).map((id, k) => ({ externalId: id, key: `ENG-${k + 1}`, scope }));
  return {
    connector,
    sandbox,
    auth: { accessToken: sandbox.issueToken().accessToken },
    refs,
    definitions: (c) => [{ name: `constraint:${c}`, color: "5e6ad2", description: `Backlog Auditor: ${c}` }],
  };
}

async function jira() {
  const { createJiraSandbox } = await import("../sandbox/jira/index.ts");
  const { createJiraConnector } = await import("../connectors/jira/index.ts");
  const client = { clientId: "bench", clientSecret: "bench-secret" };
  const O = "http://bench.local";
  const sandbox = createJiraSandbox({ ...client, origin: O, seed: { issuesPerProject: 0 }, rateLimit: { limit: 1e9, windowMs: 60_000 } });
  const connector = createJiraConnector({ fetch: delayed(sandbox), apiBase: `${O}/jira/api`, oauthBase: `${O}/jira/auth`, ...client });
  const site = sandbox.defaultSite();
  const scope = { kind: "project", id: "AUD", name: "Auditor", siteId: site.id };
  const refs = sandbox.seed(site.id, "AUD", N).map((i) => ({ externalId: String(i.id), key: i.key, scope }));
  return { connector, sandbox, auth: { accessToken: sandbox.issueToken().accessToken, siteId: site.id }, refs, definitions: () => [] };
}

async function github() {
  const { createGithubSandbox } = await import("../sandbox/github/index.ts");
  const { createGithubConnector } = await import("../connectors/github/index.ts");
  const client = { clientId: "Iv1.bench", clientSecret: "bench-secret" };
  const repo = "acme/bench";
  const sandbox = createGithubSandbox({ ...client, webhookSecret: "bench", seed: { repos: [{ fullName: repo, issues: N, pullRequestShare: 0 }] } });
  sandbox.limits.primary.limit = 1e9;
  const connector = createGithubConnector({
    fetch: delayed(sandbox),
    apiBase: "http://bench.local/github/api",
    oauthBase: "http://bench.local/github",
    ...client,
    webhookSecret: "bench",
  });
  const scope = { kind: "repo", id: repo, name: repo };
  const refs = Array.from({ length: N }, (_, k) => ({ externalId: String(k + 1), key: `${repo}#${k + 1}`, scope }));
  return {
    connector,
    sandbox,
    auth: { accessToken: sandbox.issueInstallationToken(undefined, 24 * 3600_000) },
    refs,
    definitions: (c) => [{ name: `constraint:${c}`, color: "5319e7", description: `Backlog Auditor: ${c}` }],
  };
}

/** One first write-back of `refs` at `concurrency` (null: the connector's own). */
async function writeBack(setup, concurrency) {
  const { forEachBounded, splitLabelCreators } = await import("../src/services/bounded.ts");
  const { connector, sandbox, auth, refs, definitions } = await setup();
  const actions = refs.flatMap((ref, k) => {
    const c = CONSTRAINTS[k % CONSTRAINTS.length];
    return [
      { kind: "labels", ref, desired: [`constraint:${c}`], c },
      { kind: "comment", ref, c },
    ];
  });
  const apply = async (a) => {
    if (a.kind === "labels")
      await connector.ensureLabels(auth, a.ref, { desired: a.desired, isOwned: (l) => l.startsWith("constraint:"), definitions: definitions(a.c) });
    else await connector.ensureComment(auth, a.ref, "bench", `### Backlog Auditor\n**${a.c}** — confidence 0.8`);
  };
  sandbox.resetStats();
  const bound = concurrency ?? connector.writeConcurrency;
  const started = performance.now();
  const { first, rest } = splitLabelCreators(actions, (a) => a.desired ?? []);
  for (const a of first) await apply(a);
  await forEachBounded(rest, bound, apply);
  const ms = Math.round(performance.now() - started);
  const { writes, requests } = sandbox.stats;
  return { ms, writes, requests, bound, undo: () => undoRun({ connector, sandbox, auth, refs, definitions }, bound) };
}

/** The undo of that write-back at `bound`: read each issue, then remove our label and delete our comment. */
async function undoRun({ connector, sandbox, auth, refs, definitions }, bound) {
  const { forEachBounded, splitLabelCreators } = await import("../src/services/bounded.ts");
  sandbox.resetStats();
  const started = performance.now();
  const current = new Map();
  await forEachBounded(refs, bound, async (ref) => current.set(ref.externalId, (await connector.getIssue(auth, ref))?.labels ?? []));
  const actions = refs.flatMap((ref) => [
    { kind: "labels", ref, desired: [] },
    { kind: "comment", ref },
  ]);
  const apply = async (a) => {
    if (a.kind === "labels")
      await connector.ensureLabels(auth, a.ref, { desired: [], isOwned: (l) => l.startsWith("constraint:"), definitions: definitions(CONSTRAINTS[0]) });
    else await connector.ensureComment(auth, a.ref, "bench", null);
  };
  const { first, rest } = splitLabelCreators(actions, (a) => a.desired);
  for (const a of first) await apply(a);
  await forEachBounded(rest, bound, apply);
  const ms = Math.round(performance.now() - started);
  const left = [...current.values()].filter((labels) => labels.some((l) => l.startsWith("constraint:"))).length;
  return { ms, writes: sandbox.stats.writes, requests: sandbox.stats.requests, labelled: left };
}

export async function run() {
  const rows = [];
  for (const [name, setup] of [
    ["linear", linear],
    ["jira", jira],
    ["github", github],
  ]) {
    const seq = await writeBack(setup, 1);
    const bounded = await writeBack(setup, null);
    rows.push({
      name: `${name}: first write-back of ${N} issues at ${RTT_MS} ms RTT, ${bounded.bound} write(s) in flight: wall time`,
      value: bounded.ms,
      unit: "ms",
      baseline: { name: "sequential (1 in flight)", value: seq.ms },
      note: `${bounded.requests} requests / ${bounded.writes} writes (sequential: ${seq.requests} / ${seq.writes})`,
    });
    const seqUndo = await seq.undo();
    const boundedUndo = await bounded.undo();
    rows.push({
      name: `${name}: undo of that ${N}-issue write-back at ${RTT_MS} ms RTT, ${bounded.bound} request(s) in flight: wall time`,
      value: boundedUndo.ms,
      unit: "ms",
      baseline: { name: "sequential (1 in flight)", value: seqUndo.ms },
      note: `${boundedUndo.requests} requests / ${boundedUndo.writes} writes, ${boundedUndo.labelled} issues labelled before (sequential: ${seqUndo.requests} / ${seqUndo.writes}, ${seqUndo.labelled})`,
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  for (const r of await run()) console.log(r.name, r.value, r.unit, `| ${r.baseline.name}: ${r.baseline.value}`, `| ${r.note}`);
