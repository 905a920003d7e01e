/** @jsxImportSource hono/jsx */
/** The report people read: HTML with charts and history, plus Markdown, CSV and JSON exports. */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { requireWorkspace } from "../auth";
import { AuditReportSchema, type AuditReport } from "../core/audit";
import { getAudit, getLatestAudit } from "../db/audits";
import { countIssues } from "../db/issues";
import { Layout, ReportPage, renderCsv, renderMarkdown } from "../report";
import { upgradeStoredReport } from "../report/stored";
import { auditHistory } from "../services/audit";
import { workspaceNav } from "./pages/shell";

/** The asked-for (or latest) audit's report; `pruned` when the run is past the report retention window (its summary stays in history). */
async function loadReport(c: Context<AppEnv>): Promise<{ id: string; report: AuditReport } | { id: string; pruned: string } | null> {
  const ws = c.get("workspace");
  const auditId = c.req.query("audit");
  const row = auditId ? await getAudit(c.env.DB, ws.id, auditId.slice(0, 64)) : await getLatestAudit(c.env.DB, ws.id);
  if (!row) return null;
  if (row.reportPrunedAt) return { id: row.id, pruned: row.createdAt };
  const parsed = AuditReportSchema.safeParse(upgradeStoredReport(row.report));
  return parsed.success ? { id: row.id, report: parsed.data } : null;
}

const prunedError = (createdAt: string) => ({
  error: {
    code: "report_pruned" as const,
    message: `The full report of the audit of ${createdAt} is past the retention window; its summary is kept in the history.`,
  },
});

const fileName = (ws: { name: string }, ext: string) => `backlog-audit-${ws.name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 40) || "workspace"}.${ext}`;

export const reportRoutes = new Hono<AppEnv>()
  .get("/w/:workspaceId", requireWorkspace("member"), (c) => c.redirect(`/w/${c.get("workspace").id}/report`, 302))
  .get("/w/:workspaceId/report", requireWorkspace("member"), async (c) => {
    const ws = c.get("workspace");
    const loaded = await loadReport(c);
    const nonce = c.get("secureHeadersNonce");
    if (!loaded) {
      const issues = await countIssues(c.env.DB, ws.id);
      return c.html(
        <Layout title={`${ws.name} · report`} nonce={nonce} nav={workspaceNav(ws.id, "report")}>
          <h1>{ws.name}</h1>
          <p data-testid="no-audit" role="status">
            {issues === 0 ? "No issues yet. Connect a tracker to run the first audit." : `${issues} issues synced; the first audit is on its way.`}
          </p>
          <p>
            <a href={`/w/${ws.id}/connections`}>Connect a tracker</a>
          </p>
        </Layout>,
      );
    }
    if ("pruned" in loaded) {
      return c.html(
        <Layout title={`${ws.name} · report`} nonce={nonce} nav={workspaceNav(ws.id, "report")}>
          <h1>{ws.name}</h1>
          <p data-testid="report-pruned" role="status">
            The full report of the audit of {loaded.pruned} is past the retention window; its summary is kept in the history chart.
          </p>
          <p>
            <a href={`/w/${ws.id}/report`}>The latest report</a>
          </p>
        </Layout>,
        410,
      );
    }
    const history = await auditHistory(c.env.DB, ws.id, 120);
    const base = `/w/${ws.id}/report`;
    const q = c.req.query("audit") ? `?audit=${encodeURIComponent(loaded.id)}` : "";
    return c.html(
      <ReportPage
        report={loaded.report}
        history={history.filter((h) => h.id !== loaded.id)}
        workspaceName={ws.name}
        nonce={nonce}
        links={{
          nav: workspaceNav(ws.id, "report"),
          markdown: `${base}.md${q}`,
          csv: `${base}.csv${q}`,
          json: `/api/v1/workspaces/${ws.id}/audits/${loaded.id}`,
        }}
      />,
    );
  })
  .get("/w/:workspaceId/report.md", requireWorkspace("member"), async (c) => {
    const loaded = await loadReport(c);
    if (!loaded) return c.json({ error: { code: "not_found", message: "No audit yet" } }, 404);
    if ("pruned" in loaded) return c.json(prunedError(loaded.pruned), 410);
    return c.body(renderMarkdown(loaded.report, { workspaceName: c.get("workspace").name }), 200, {
      "content-type": "text/markdown; charset=utf-8",
      "content-disposition": `inline; filename="${fileName(c.get("workspace"), "md")}"`,
    });
  })
  .get("/w/:workspaceId/report.csv", requireWorkspace("member"), async (c) => {
    const loaded = await loadReport(c);
    if (!loaded) return c.json({ error: { code: "not_found", message: "No audit yet" } }, 404);
    if ("pruned" in loaded) return c.json(prunedError(loaded.pruned), 410);
    return c.body(renderCsv(loaded.report), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${fileName(c.get("workspace"), "csv")}"`,
    });
  });
