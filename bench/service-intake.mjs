/**
 * Figure 1, webhook intake: signed GitHub `issues.edited` deliveries at a fixed rate against
 * `POST /webhooks/github`, each with a unique `x-github-delivery`, for issues of the connected
 * repository `acme/webapp` (so they are processed, not ignored). Then the queue is drained and
 * every accepted delivery is counted in `webhook_deliveries` by status (DEMO-only `/dev/stats`).
 * Baseline: `GET /health` under the same load profile, in the same run.
 */
import autocannon from "autocannon";
import { createHmac, randomUUID } from "node:crypto";
import { getJson, log, readVars, sleep, stats, waitQuiet } from "./service-stack.mjs";

/**
 * A signed GitHub `issues.edited` delivery for one synced issue of acme/webapp (the
 * body and the headers GitHub sends), shared by the intake and capacity benches.
 */
export function githubEditedDelivery(stack, secret, issue, title, body) {
  const payload = {
    action: "edited",
    issue: {
      id: Number(issue.externalId),
      number: issue.number,
      title,
      body,
      html_url: `${stack.sandboxUrl}/github/acme/webapp/issues/${issue.number}`,
      repository_url: `${stack.sandboxUrl}/github/api/repos/acme/webapp`,
      state: "open",
      labels: [],
      comments: 0,
      created_at: "2026-01-05T10:00:00Z",
      updated_at: new Date().toISOString(),
      user: { login: "mona", id: 7 },
    },
    changes: { title: { from: "before" } },
    repository: { id: 1, name: "webapp", full_name: "acme/webapp", private: true, html_url: `${stack.sandboxUrl}/github/acme/webapp` },
    sender: { login: "mona", id: 7 },
  };
  const text = JSON.stringify(payload);
  return {
    body: text,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/bench",
      "x-github-event": "issues",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(text).digest("hex")}`,
    },
  };
}

/** Titles that classify into different constraints, so most deliveries change the stored issue. */
const TITLES = [
  "App crashes on save — data loss for customers",
  "New users never finish onboarding: empty dashboard after sign-up",
  "Support team manually refunds every failed payment",
  "CI takes 40 minutes and blocks every release",
  "Nobody finds the export feature; add a usage prompt",
];

export const INTAKE_PROFILE = { overallRate: 600, connections: 20, duration: 30 };

function cannon(opts) {
  return new Promise((resolve, reject) => {
    const inst = autocannon({ timeout: 10, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: process.stderr });
  });
}

/** The load profile both runs share; only the request differs. */
export function loadProfile(url, profile, extra) {
  // Bounded by duration (the local stack may be far slower than the target rate). When it stops, up to
  // `connections` requests may still be in flight: the server may accept them without autocannon counting.
  return cannon({ url, ...profile, ...extra });
}

export function summary(r) {
  return {
    rps: r.requests.average,
    total: r.requests.total,
    p50: r.latency.p50,
    p90: r.latency.p90,
    /** autocannon reports p90 and p97.5, not p95: linear interpolation between them. */
    p95: r.latency.p90 + (r.latency.p97_5 - r.latency.p90) * (5 / 7.5),
    p975: r.latency.p97_5,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    ok2xx: r["2xx"],
    errors: r.errors,
    timeouts: r.timeouts,
    status: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)])),
  };
}

export async function runIntake(stack, profile = INTAKE_PROFILE) {
  const vars = readVars();
  const secret = vars.GITHUB_WEBHOOK_SECRET;
  if (!secret) throw new Error("GITHUB_WEBHOOK_SECRET is not set in .dev.vars(.example)");
  const { items } = await getJson(`${stack.workerUrl}/dev/bench/issues?workspaceId=${stack.workspaceId}&limit=1000`);
  const issues = items.filter((i) => i.key.startsWith("acme/webapp#")).map((i) => ({ ...i, number: Number(i.key.split("#")[1]) }));
  if (!issues.length) throw new Error("no synced issues of acme/webapp to send webhooks for");

  await waitQuiet(stack);
  const before = await stats(stack);
  let k = 0;
  let accepted = 0;
  let duplicates = 0;
  log(`intake: signed issues.edited deliveries for ${issues.length} issues of acme/webapp (connected)`);
  const hookRequests = [
    {
      method: "POST",
      path: "/webhooks/github",
      setupRequest(req) {
        const issue = issues[k % issues.length];
        const n = k++;
        const { body, headers } = githubEditedDelivery(stack, secret, issue, `${TITLES[n % TITLES.length]} (${n})`, "Edited during the intake benchmark.");
        return { ...req, body, headers };
      },
      onResponse(status, body) {
        if (status === 202) accepted++;
        else if (status === 200 && body?.includes('"duplicate":true')) duplicates++;
      },
    },
  ];
  // Service time without queueing first, on a quiet stack: one connection, one request at a time.
  log("intake: /health and /webhooks/github with 1 connection, 5 s each (service time without queueing)");
  const solo = { connections: 1, duration: 5 };
  const health1 = summary(await cannon({ url: `${stack.workerUrl}/health`, ...solo }));
  const hooks1 = summary(await cannon({ url: `${stack.workerUrl}/webhooks/github`, ...solo, method: "POST", requests: hookRequests }));
  await drain(stack, 60_000);

  log(`intake baseline: GET /health at ${profile.overallRate}/s, ${profile.connections} connections, ${profile.duration} s`);
  const health = summary(await loadProfile(`${stack.workerUrl}/health`, profile, {}));
  log(`intake: signed deliveries at ${profile.overallRate}/s, ${profile.connections} connections, ${profile.duration} s`);
  const hooks = summary(await loadProfile(`${stack.workerUrl}/webhooks/github`, profile, { method: "POST", requests: hookRequests }));
  const sentAt = performance.now();
  log(`intake: ${hooks.total} answered, ${accepted} accepted (202) in both runs; draining the queue…`);
  const after = await drain(stack, Number(process.env.BENCH_DRAIN_MS ?? 240_000));
  const drainMs = performance.now() - sentAt;
  const failures = after.failures.total - before.failures.total;
  if (failures) log(`jobs set aside during the run: ${failures}, e.g. ${after.failures.recent.join(" | ").slice(0, 600)}`);
  const newRows = after.deliveriesTotal - before.deliveriesTotal;
  const byStatus = Object.fromEntries(Object.entries(after.deliveries).map(([s, n]) => [s, n - (before.deliveries[s] ?? 0)]));
  const done = (byStatus.processed ?? 0) + (byStatus.ignored ?? 0);
  return {
    health,
    hooks,
    health1,
    hooks1,
    accepted,
    duplicates,
    newRows,
    byStatus,
    done,
    drained: (after.deliveries.queued ?? 0) === 0,
    drainMs,
    profile,
    failures,
  };
}

/** Wait until no delivery is `queued` (or the timeout); returns the last stats. */
async function drain(stack, timeoutMs) {
  const started = performance.now();
  let s = await stats(stack);
  while ((s.deliveries.queued ?? 0) > 0 && performance.now() - started < timeoutMs) {
    await sleep(1000);
    s = await stats(stack);
    log(`  drain: ${JSON.stringify(s.deliveries)}`);
  }
  return s;
}

export function intakeRows(r) {
  const p = `${r.profile.overallRate}/s target, ${r.profile.connections} conns, ${r.profile.duration} s`;
  return [
    {
      name: "webhook intake: throughput",
      value: r.hooks.rps,
      unit: "req/s",
      baseline: { name: "GET /health, same profile", value: r.health.rps },
      note: `${p}; ${r.hooks.total} answered, issues.edited for connected acme/webapp (processed, not ignored)`,
    },
    { name: "webhook intake: ack latency p50", value: r.hooks.p50, unit: "ms", baseline: { name: "GET /health p50", value: r.health.p50 } },
    { name: "webhook intake: ack latency p97.5", value: r.hooks.p975, unit: "ms", baseline: { name: "GET /health p97.5", value: r.health.p975 } },
    {
      name: "webhook intake: ack latency p99",
      value: r.hooks.p99,
      unit: "ms",
      baseline: { name: "GET /health p99", value: r.health.p99 },
      note: `target < 50 ms; max ${r.hooks.max} ms`,
    },
    {
      name: "webhook intake: non-2xx + errors",
      value: r.hooks.non2xx + r.hooks.errors + r.hooks.timeouts,
      unit: "req",
      baseline: { name: "GET /health non-2xx + errors", value: r.health.non2xx + r.health.errors + r.health.timeouts },
      note: `status ${JSON.stringify(r.hooks.status)}`,
    },
    {
      name: "webhook intake, 1 connection (no queueing): ack p50",
      value: r.hooks1.p50,
      unit: "ms",
      baseline: { name: "GET /health, 1 connection p50", value: r.health1.p50 },
      note: `${r.hooks1.rps} req/s vs health ${r.health1.rps} req/s; p99 ${r.hooks1.p99} vs ${r.health1.p99} ms`,
    },
    {
      name: "webhook intake: accepted deliveries in webhook_deliveries",
      value: r.newRows,
      unit: "rows",
      baseline: { name: "202 answers counted (both runs)", value: r.accepted },
      note: `one row per delivery id (primary key); rows − 202s = answers in flight when a load run stopped (≤ ${r.profile.connections} + 1); incl. the 1-connection run; ${r.duplicates} duplicates`,
    },
    {
      name: "webhook intake: lost (row not processed/ignored after drain)",
      value: r.newRows - r.done,
      unit: "deliveries",
      baseline: { name: "target", value: 0 },
      note: `after drain: ${JSON.stringify(r.byStatus)}${r.drained ? "" : " (drain timed out)"}${r.accepted > r.newRows ? `; ${r.accepted - r.newRows} 202s without a row!` : ""}; ${r.failures} jobs dead-lettered`,
    },
    {
      name: "webhook intake: queue drain after load",
      value: r.drainMs / 1000,
      unit: "s",
      baseline: { name: "load duration", value: r.profile.duration },
      note: `${Math.round(r.newRows / (r.profile.duration + r.drainMs / 1000))} deliveries/s processed end to end (queue consumer, batches of 10)`,
    },
  ];
}
