/**
 * Bounded audit history on real D1 (issue 21): summaries stay for the life of the workspace, full
 * reports only for the retention window, stored gzip-compressed; runs stored before migration 0009
 * stay readable; the history chart still spans runs past the window; deleting a workspace erases
 * every row that carries its id.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { IssueSchema, type IssueInput } from "../../domain/types";
import { pruneAuditReports } from "../../src/db/audits";
import { exportWorkspace } from "../../src/db/export";
import { saveReviewAnswer } from "../../src/db/learning";
import { WorkspaceExportSchema } from "../../src/routes/api/schemas";
import { createWritebackRun } from "../../src/db/ledger";
import { createConnection, setSyncScopes } from "../../src/db/connections";
import { upsertIssues } from "../../src/db/issues";
import { createWorkspace, deleteWorkspace } from "../../src/db/workspaces";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { reportRetention, runWorkspaceAudit } from "../../src/services/audit";
import { classifyPending } from "../../src/services/classify";

const testEnv = env as unknown as Env;
const db = () => testEnv.DB;

async function call(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const base = { tracker: "linear" as const, state: "Todo", createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-02T00:00:00Z" };
const cycle = { kind: "cycle" as const, id: "c1", name: "Cycle 12", state: "active" as const };
// A clear reliability bottleneck (customer requests with revenue behind two crashes), so every audit has a drift.
const need = (customer: string, revenue: number) => ({ customer, revenue, size: 400, tier: "Enterprise", important: true, createdAt: "2026-01-02T00:00:00Z" });
const ISSUES: IssueInput[] = [
  {
    ...base,
    externalId: "1",
    key: "ENG-1",
    title: "App crashes on save when the file is large",
    labels: ["bug"],
    priority: 1,
    reactions: 14,
    iteration: cycle,
    estimate: 3,
    customerRequests: [need("Initech", 240_000), need("Hooli", 900_000)],
  },
  {
    ...base,
    externalId: "2",
    key: "ENG-2",
    title: "Dashboard takes 30 seconds to load for big accounts",
    body: "Customers report timeouts; support escalation.",
    priority: 2,
    estimate: 5,
    customerRequests: [need("Globex", 600_000)],
    links: [{ url: "https://acme.zendesk.com/agent/tickets/8812", title: "Ticket 8812" }],
  },
  { ...base, externalId: "3", key: "ENG-3", title: "Add dark mode to the settings page", iteration: cycle, estimate: 5 },
  { ...base, externalId: "4", key: "ENG-4", title: "New users never finish onboarding", iteration: cycle, estimate: 2 },
];

async function seedWorkspace(name: string) {
  const ws = await createWorkspace(db(), { name, isDemo: true });
  const conn = await createConnection(db(), {
    workspaceId: ws.id,
    tracker: "linear",
    accountId: "org",
    accountName: "Acme",
    grantedScopes: ["read"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await setSyncScopes(db(), ws.id, conn.id, [{ kind: "team", id: "team-1", name: "Engineering" }]);
  await upsertIssues(db(), {
    workspaceId: ws.id,
    connectionId: conn.id,
    scopeId: "team-1",
    issues: ISSUES.map((i) => IssueSchema.parse(i)),
    now: new Date("2026-01-03T00:00:00Z"),
  });
  await classifyPending(db(), ws.id, { now: new Date("2026-01-03T00:00:00Z") });
  return ws.id;
}

type StoredRow = { id: string; created_at: string; report: string; has_gz: number; report_pruned_at: string | null; summary: string };
const stored = async (ws: string) =>
  (
    await db()
      .prepare(
        "SELECT id, created_at, report, report_gz IS NOT NULL AS has_gz, report_pruned_at, summary FROM audit_runs WHERE workspace_id = ? ORDER BY created_at",
      )
      .bind(ws)
      .all<StoredRow>()
  ).results;

const DAY = 86_400_000;
const start = Date.parse("2026-02-01T06:00:00Z");

describe("audit report retention", () => {
  let ws = "";
  const ids: string[] = [];
  beforeAll(async () => {
    ws = await seedWorkspace("Retention");
    // Eight daily audits with a window of the latest 3 reports.
    for (let d = 0; d < 8; d++)
      ids.push((await runWorkspaceAudit(db(), ws, { trigger: "cron", now: new Date(start + d * DAY), retention: { keepRuns: 3, keepDays: 90 } })).id);
  });

  it("keeps every summary and only the latest reports, gzip-compressed", async () => {
    const rows = await stored(ws);
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.every((r) => JSON.parse(r.summary).id === r.id)).toBe(true);
    const kept = rows.filter((r) => r.report_pruned_at === null);
    expect(kept.map((r) => r.id)).toEqual(ids.slice(-3));
    expect(kept.every((r) => r.has_gz === 1 && r.report === "")).toBe(true);
    const pruned = rows.filter((r) => r.report_pruned_at !== null);
    expect(pruned).toHaveLength(5);
    expect(pruned.every((r) => r.has_gz === 0 && r.report === "")).toBe(true);
  });

  it("serves a kept report in full and a pruned run as its summary with report null", async () => {
    const latest = (await (await call(`/api/v1/workspaces/${ws}/audits/latest`)).json()) as {
      id: string;
      report: { dominant: { constraint: string | null } } | null;
      reportPrunedAt: string | null;
    };
    expect(latest.id).toBe(ids[7]);
    expect(latest.report?.dominant).toBeTruthy();
    expect(latest.reportPrunedAt).toBeNull();
    const oldRes = await call(`/api/v1/workspaces/${ws}/audits/${ids[0]}`);
    expect(oldRes.status).toBe(200);
    const old = (await oldRes.json()) as { summary: { id: string }; report: unknown; reportPrunedAt: string | null };
    expect(old.summary.id).toBe(ids[0]);
    expect(old.report).toBeNull();
    expect(old.reportPrunedAt).not.toBeNull();
  });

  it("keeps the history and the trend chart past the window", async () => {
    const history = (await (await call(`/api/v1/workspaces/${ws}/audits?limit=50`)).json()) as { items: Array<{ id: string }> };
    expect(history.items.map((i) => i.id)).toEqual([...ids].reverse());
    const page = await (await call(`/w/${ws}/report`)).text();
    expect(page).toContain('data-testid="trend-chart"');
    expect(page).toContain("Drift trend over 8 audits");
  });

  it("answers a pruned report's page and exports with 410 and a stable code", async () => {
    const html = await call(`/w/${ws}/report?audit=${ids[1]}`);
    expect(html.status).toBe(410);
    expect(await html.text()).toContain('data-testid="report-pruned"');
    for (const ext of ["md", "csv"]) {
      const res = await call(`/w/${ws}/report.${ext}?audit=${ids[1]}`);
      expect(res.status).toBe(410);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("report_pruned");
    }
  });

  it("drops reports older than the day window, but never the latest run's", async () => {
    const other = await seedWorkspace("Retention by age");
    const a = await runWorkspaceAudit(db(), other, { trigger: "cron", now: new Date(start), retention: { keepRuns: 30, keepDays: 5 } });
    const b = await runWorkspaceAudit(db(), other, { trigger: "cron", now: new Date(start + 4 * DAY), retention: { keepRuns: 30, keepDays: 5 } });
    // 20 days later, with no newer audit: both are older than 5 days, the latest stays.
    expect(await pruneAuditReports(db(), other, { keepRuns: 30, keepDays: 5, now: new Date(start + 20 * DAY) })).toBe(1);
    const rows = await stored(other);
    expect(rows.find((r) => r.id === a.id)?.report_pruned_at).not.toBeNull();
    expect(rows.find((r) => r.id === b.id)?.report_pruned_at).toBeNull();
    // The retention window of the first workspace is untouched by the second's pruning.
    expect((await stored(ws)).filter((r) => r.report_pruned_at === null)).toHaveLength(3);
  });

  it("thins the history past the window to the latest run of each day, keeping runs a write-back names", async () => {
    const w = await seedWorkspace("Fifteen-minute cron");
    const q = 15 * 60_000;
    const retention = { keepRuns: 3, keepDays: 90 };
    const run = async (at: number) => (await runWorkspaceAudit(db(), w, { trigger: "cron", now: new Date(at), retention })).id;
    const conn = await db().prepare("SELECT id FROM connections WHERE workspace_id = ?").bind(w).first<{ id: string }>();
    const day1: string[] = [];
    for (let i = 0; i < 8; i++) {
      day1.push(await run(start + i * q));
      // A write-back acts on the third run of day 1 (the latest then): the ledger names it, so it stays.
      if (i === 2)
        await createWritebackRun(db(), { workspaceId: w, connectionId: conn!.id, auditRunId: day1[2]!, mode: "dry-run", now: new Date(start + i * q) });
    }
    const day2: string[] = [];
    for (let i = 0; i < 8; i++) day2.push(await run(start + DAY + i * q));

    const rows = await stored(w);
    expect(rows.map((r) => r.id)).toEqual([day1[2], day1[7], ...day2.slice(-3)]);
    expect(rows.filter((r) => r.report_pruned_at === null).map((r) => r.id)).toEqual(day2.slice(-3));
    // The trend still has one point per day.
    const history = (await (await call(`/api/v1/workspaces/${w}/audits?limit=50`)).json()) as { items: Array<{ id: string }> };
    expect(history.items.map((i) => i.id)).toEqual([...rows.map((r) => r.id)].reverse());
  });

  it("sends a report gzip-encoded to a client that accepts it, and the same JSON as identity to one that does not", async () => {
    const path = `/api/v1/workspaces/${ws}/audits/latest`;
    const plain = await call(path, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    const text = await plain.text();
    const gz = await call(path, { headers: { "accept-encoding": "gzip, br" } });
    expect(gz.status).toBe(200);
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gz.headers.get("etag")).toBe(`"${ids[7]}"`);
    expect(gz.headers.get("vary")).toMatch(/accept-encoding/i);
    const bytes = new Uint8Array(await gz.arrayBuffer());
    expect(bytes.byteLength).toBeLessThan(text.length);
    const inflated = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
    expect(JSON.parse(inflated)).toEqual(JSON.parse(text));
    // A second request is served from the same cached bytes.
    const again = new Uint8Array(await (await call(path, { headers: { "accept-encoding": "gzip" } })).arrayBuffer());
    expect(again).toEqual(bytes);
  });

  it("reads the window from the Worker's settings, with defaults for unset or invalid values", () => {
    expect(reportRetention({})).toEqual({ keepRuns: 30, keepDays: 90 });
    expect(reportRetention({ AUDIT_REPORTS_KEEP: "7", AUDIT_REPORTS_KEEP_DAYS: "14" })).toEqual({ keepRuns: 7, keepDays: 14 });
    expect(reportRetention({ AUDIT_REPORTS_KEEP: "0", AUDIT_REPORTS_KEEP_DAYS: "x" })).toEqual({ keepRuns: 30, keepDays: 90 });
  });

  it("still reads a run stored before migration 0009 (report as JSON text)", async () => {
    const legacyWs = await seedWorkspace("Legacy");
    const fresh = await runWorkspaceAudit(db(), legacyWs, { trigger: "api", now: new Date(start) });
    const { report } = (await (await call(`/api/v1/workspaces/${legacyWs}/audits/${fresh.id}`)).json()) as { report: unknown };
    // Rewrite it the way rows were stored before 0009: JSON text in `report`, no gzip.
    await db().prepare("UPDATE audit_runs SET report = ?, report_gz = NULL WHERE id = ?").bind(JSON.stringify(report), fresh.id).run();
    const legacy = (await (await call(`/api/v1/workspaces/${legacyWs}/audits/${fresh.id}`)).json()) as { report: unknown; reportPrunedAt: string | null };
    expect(legacy.report).toEqual(report);
    expect(legacy.reportPrunedAt).toBeNull();
    const md = await call(`/w/${legacyWs}/report.md?audit=${fresh.id}`);
    expect(md.status).toBe(200);
  });
});

/** Every table that carries workspace_id, read from the schema. */
async function tenantTables(): Promise<string[]> {
  const { results: tables } = await db()
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'")
    .all<{ name: string }>();
  const out: string[] = [];
  for (const { name } of tables) {
    const { results: cols } = await db().prepare("SELECT name FROM pragma_table_info(?)").bind(name).all<{ name: string }>();
    if (cols.some((c) => c.name === "workspace_id")) out.push(name);
  }
  return out;
}

describe("exporting a workspace", () => {
  it("carries every tenant table, with gzip-stored reports inflated and pruned ones empty", async () => {
    const w = await seedWorkspace("Exported");
    const first = await runWorkspaceAudit(db(), w, { trigger: "cron", now: new Date(start), retention: { keepRuns: 1, keepDays: 90 } });
    const last = await runWorkspaceAudit(db(), w, { trigger: "cron", now: new Date(start + DAY), retention: { keepRuns: 1, keepDays: 90 } });
    const issue = await db()
      .prepare("SELECT id, connection_id FROM issues WHERE workspace_id = ? AND key = 'ENG-3'")
      .bind(w)
      .first<{ id: string; connection_id: string }>();
    expect(await saveReviewAnswer(db(), w, { issueId: issue!.id, label: "adoption", verdict: null, confidence: null, detail: "alice" }, new Date(start))).toBe(
      true,
    );
    await createWritebackRun(db(), { workspaceId: w, connectionId: issue!.connection_id, auditRunId: last.id, mode: "dry-run", now: new Date(start) });

    const doc = (await exportWorkspace(db(), w, start + 2 * DAY))!;
    // What OpenAPI says the export is.
    expect(WorkspaceExportSchema.safeParse(doc).error).toBeUndefined();
    const served = (await (await call(`/api/v1/workspaces/${w}/audits/${last.id}`)).json()) as { report: unknown };
    const byId = new Map(doc.audits.map((a) => [a.id, a]));
    // The kept report is the one the API serves, not the gzip bytes (which JSON turns into {}).
    expect(byId.get(last.id)!.report).toEqual(served.report);
    expect(byId.get(last.id)).not.toHaveProperty("report_gz");
    expect(byId.get(first.id)!.report).toBe("");
    expect(byId.get(first.id)!.report_pruned_at).not.toBeNull();
    expect(doc.learningExamples).toEqual([expect.objectContaining({ issue_id: issue!.id, source: "review", label: "adoption", detail: "alice" })]);
    expect(doc.writebackRuns).toEqual([expect.objectContaining({ audit_run_id: last.id, mode: "dry-run" })]);

    // A new tenant table must be exported, or listed here with the reason it is not.
    const exportedAs: Record<string, keyof typeof doc | "left out"> = {
      workspace_settings: "settings",
      workspace_members: "members",
      connections: "connections",
      sync_state: "left out", // cursors and leases, rebuilt by the next sync
      issues: "issues",
      classifications: "classifications",
      audit_runs: "audits",
      writeback_runs: "writebackRuns",
      writeback_ledger: "ledger",
      label_overrides: "labelOverrides",
      sync_failures: "syncFailures",
      sync_skipped: "syncSkipped",
      learning_examples: "learningExamples",
      workspace_learning: "learning",
      connection_webhooks: "left out", // tracker webhook ids and secrets, re-registered on reconnect
      oauth_states: "left out", // ten-minute sign-in state
      api_tokens: "left out", // credentials (hashes), not the team's data
      invites: "left out", // credentials (hashes), not the team's data
    };
    for (const t of await tenantTables()) {
      expect(exportedAs, `tenant table ${t} is neither exported nor listed as left out`).toHaveProperty(t);
      if (exportedAs[t] !== "left out") expect(doc).toHaveProperty(exportedAs[t]!);
    }
  });
});

describe("deleting a workspace", () => {
  it("erases every row that carries its id, in every table, and leaves other workspaces alone", async () => {
    const doomed = await seedWorkspace("Doomed");
    const kept = await seedWorkspace("Kept");
    for (const w of [doomed, kept])
      for (let d = 0; d < 3; d++)
        await runWorkspaceAudit(db(), w, { trigger: "cron", now: new Date(start + d * DAY), retention: { keepRuns: 2, keepDays: 90 } });
    const tables = await tenantTables();
    expect(tables).toEqual(expect.arrayContaining(["issues", "classifications", "audit_runs", "connections", "sync_state", "workspace_settings"]));
    const count = async (ws: string) => {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = (await db().prepare(`SELECT count(*) AS n FROM ${t} WHERE workspace_id = ?`).bind(ws).first<{ n: number }>())!.n;
      out.workspaces = (await db().prepare("SELECT count(*) AS n FROM workspaces WHERE id = ?").bind(ws).first<{ n: number }>())!.n;
      return out;
    };
    const before = await count(doomed);
    expect(before.audit_runs).toBe(3);
    expect(before.issues).toBe(ISSUES.length);
    await deleteWorkspace(db(), doomed);
    const after = await count(doomed);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    const other = await count(kept);
    expect(other.audit_runs).toBe(3);
    expect(other.issues).toBe(ISSUES.length);
  });
});
