/**
 * Figure 2, report API for a large workspace: `GET /api/v1/workspaces/:id/audits/latest` with 50
 * connections for ~15 s, beside `GET /health` with the same 50 connections in the same run.
 *
 * The API is rate limited per client key (`RL_API`, 1,200/min per IP for anonymous demo reads). The
 * 50 connections stand for 50 clients: each sends its own `cf-connecting-ip`; any 429 is counted
 * as non-2xx and printed.
 */
import autocannon from "autocannon";
import { getJson, log, waitQuiet } from "./service-stack.mjs";
import { summary } from "./service-intake.mjs";

export const REPORT_PROFILE = { connections: 50, duration: 15 };

function cannon(opts) {
  return new Promise((resolve, reject) => {
    const inst = autocannon({ timeout: 10, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: process.stderr });
  });
}

function perClientIp(path) {
  let next = 0;
  return [
    {
      method: "GET",
      path,
      setupRequest(req, context) {
        context.ip ??= `10.0.${Math.floor(next / 250)}.${(next++ % 250) + 1}`;
        return { ...req, headers: { ...(req.headers ?? {}), "cf-connecting-ip": context.ip } };
      },
    },
  ];
}

export async function runReport(stack, profile = REPORT_PROFILE) {
  log("report: POST /audits (classifies pending issues, then audits)…");
  const t0 = performance.now();
  const audit = await getJson(`${stack.workerUrl}/api/v1/workspaces/${stack.workspaceId}/audits`, { method: "POST" });
  const auditMs = performance.now() - t0;
  const one = await fetch(`${stack.workerUrl}/api/v1/workspaces/${stack.workspaceId}/audits/latest`);
  const bytes = (await one.arrayBuffer()).byteLength;
  log(`report: audit of ${audit.issueCount} issues in ${Math.round(auditMs)} ms; latest report is ${bytes} bytes; waiting for the queue to settle…`);
  const settledMs = await waitQuiet(stack);
  log(`report: ${settledMs === null ? "still writing after 180 s, measuring anyway" : `settled after ${Math.round(settledMs)} ms`}`);
  log(`report baseline: GET /health, ${profile.connections} connections, ${profile.duration} s`);
  const health = summary(await cannon({ url: `${stack.workerUrl}/health`, ...profile, requests: perClientIp("/health") }));
  log(`report: GET /audits/latest, ${profile.connections} connections, ${profile.duration} s`);
  const path = `/api/v1/workspaces/${stack.workspaceId}/audits/latest`;
  const r = await cannon({ url: `${stack.workerUrl}${path}`, ...profile, requests: perClientIp(path) });
  const latest = summary(r);
  // Service time without queueing: one connection, one request at a time.
  log("report: the same two endpoints with 1 connection (service time without queueing)");
  const solo = { connections: 1, duration: Math.min(5, profile.duration) };
  const health1 = summary(await cannon({ url: `${stack.workerUrl}/health`, ...solo, requests: perClientIp("/health") }));
  const latest1 = summary(await cannon({ url: `${stack.workerUrl}${path}`, ...solo, requests: perClientIp(path) }));
  return { health, latest, health1, latest1, issueCount: audit.issueCount, bytes, auditMs, profile };
}

export function reportRows(r) {
  const prof = `${r.profile.connections} conns, ${r.profile.duration} s`;
  return [
    {
      name: `report API (${r.issueCount.toLocaleString("en-US")} issues): GET /audits/latest p50`,
      value: r.latest.p50,
      unit: "ms",
      baseline: { name: "GET /health p50", value: r.health.p50 },
      note: `${prof}; report ${Math.round(r.bytes / 1024)} KiB; audit took ${Math.round(r.auditMs)} ms`,
    },
    {
      name: "report API: p95",
      value: r.latest.p95,
      unit: "ms",
      baseline: { name: "GET /health p95", value: r.health.p95 },
      note: "target < 50 ms; p95 interpolated between autocannon's p90 and p97.5",
    },
    { name: "report API: p99", value: r.latest.p99, unit: "ms", baseline: { name: "GET /health p99", value: r.health.p99 } },
    {
      name: "report API: throughput",
      value: r.latest.rps,
      unit: "req/s",
      baseline: { name: "GET /health", value: r.health.rps },
      note: `non-2xx ${r.latest.non2xx}, errors ${r.latest.errors}, timeouts ${r.latest.timeouts} (health ${r.health.non2xx}/${r.health.errors}/${r.health.timeouts}); status ${JSON.stringify(r.latest.status)}`,
    },
    {
      name: "report API, 1 connection (no queueing): p50",
      value: r.latest1.p50,
      unit: "ms",
      baseline: { name: "GET /health, 1 connection p50", value: r.health1.p50 },
      note: `${r.latest1.rps} req/s vs health ${r.health1.rps} req/s`,
    },
    {
      name: "report API, 1 connection (no queueing): p95",
      value: r.latest1.p95,
      unit: "ms",
      baseline: { name: "GET /health, 1 connection p95", value: r.health1.p95 },
    },
  ];
}
