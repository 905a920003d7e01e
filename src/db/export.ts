/**
 * A workspace's data as one JSON document, for export before erasure. Tracker
 * tokens (ciphertext) and secrets' hashes are left out; JSON columns are parsed;
 * audit reports stored gzip-compressed (migration 0009) are inflated. Every
 * query filters on workspace_id. What is left out, and why: sessions, OAuth
 * states, API tokens and invites (credentials, not the team's data), webhook
 * delivery ids (de-duplication only, no workspace column), and `sync_state`
 * (cursors, rebuilt by the next sync).
 */
import { gunzipText } from "./audits";
import { decodeReasons, decodeScoreReasons } from "./explanations";
import { safeJson } from "./workspaces";

export interface WorkspaceExport {
  format: "backlog-auditor-export/v1";
  exportedAt: string;
  workspace: { id: string; name: string; createdAt: string };
  settings: Record<string, unknown> | null;
  members: Array<Record<string, unknown>>;
  connections: Array<Record<string, unknown>>;
  issues: Array<Record<string, unknown>>;
  classifications: Array<Record<string, unknown>>;
  audits: Array<Record<string, unknown>>;
  ledger: Array<Record<string, unknown>>;
  /** Write-back runs (dry-run or real): what each planned, applied and failed. */
  writebackRuns: Array<Record<string, unknown>>;
  /** Labels a person removed after the product applied them: never re-added. */
  labelOverrides: Array<Record<string, unknown>>;
  /** The team's own labelled evidence (tracker labels, overrides, review answers). */
  learningExamples: Array<Record<string, unknown>>;
  /** Team learning: target precision, status, the live workspace model and its backtest. */
  learning: Record<string, unknown> | null;
  /** Messages the sync gave up on, and tracker items skipped at the boundary. */
  syncFailures: Array<Record<string, unknown>>;
  syncSkipped: Array<Record<string, unknown>>;
}

type Row = Record<string, unknown>;

function parseCols(rows: Row[], cols: string[]): Row[] {
  return rows.map((r) => {
    const out: Row = { ...r };
    for (const col of cols) if (typeof out[col] === "string") out[col] = safeJson(out[col] as string) ?? out[col];
    return out;
  });
}

/**
 * @example
 * const doc = await exportWorkspace(env.DB, "ws_1", Date.now()); // null when the workspace does not exist
 */
export async function exportWorkspace(db: D1Database, workspaceId: string, now: number): Promise<WorkspaceExport | null> {
  const ws = await db
    .prepare("SELECT id, name, created_at FROM workspaces WHERE id = ?")
    .bind(workspaceId)
    .first<{ id: string; name: string; created_at: string }>();
  if (!ws) return null;
  const q = (sql: string) => db.prepare(sql).bind(workspaceId);
  const [settings, members, connections, issues, classifications, audits, ledger, runs, overrides, examples, learning, failures, skipped] = await db.batch<Row>(
    [
      q(
        "SELECT rule_pack, rule_pack_hash, write_mode, comments_enabled, focus_constraint, label_prefix, max_writes_per_run, audit_settings, updated_at FROM workspace_settings WHERE workspace_id = ?",
      ),
      q(
        "SELECT u.tracker, u.login, u.name, m.role, m.created_at FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? ORDER BY m.created_at",
      ),
      q(
        "SELECT id, tracker, external_account_id, external_account_name, site_id, site_url, granted_scopes, sync_scopes, status, status_detail, write_mode, created_at, updated_at FROM connections WHERE workspace_id = ? ORDER BY created_at",
      ),
      q("SELECT * FROM issues WHERE workspace_id = ? ORDER BY connection_id, key"),
      q("SELECT * FROM classifications WHERE workspace_id = ? ORDER BY issue_id"),
      q("SELECT * FROM audit_runs WHERE workspace_id = ? ORDER BY created_at"),
      q("SELECT * FROM writeback_ledger WHERE workspace_id = ? ORDER BY created_at, id"),
      q("SELECT * FROM writeback_runs WHERE workspace_id = ? ORDER BY started_at, id"),
      q("SELECT * FROM label_overrides WHERE workspace_id = ? ORDER BY connection_id, external_id, label"),
      q("SELECT * FROM learning_examples WHERE workspace_id = ? ORDER BY issue_id, source, polarity, label"),
      q("SELECT * FROM workspace_learning WHERE workspace_id = ?"),
      q("SELECT * FROM sync_failures WHERE workspace_id = ? ORDER BY created_at, id"),
      q("SELECT * FROM sync_skipped WHERE workspace_id = ? ORDER BY connection_id, scope_id, ref"),
    ],
  );
  // Reports since migration 0009 live in report_gz; a pruned report stays "" (its summary is kept).
  const auditRows = await Promise.all(
    (audits?.results ?? []).map(async (r) => {
      const { report_gz, ...rest } = r;
      if (report_gz == null) return rest;
      return { ...rest, report: await gunzipText(report_gz as ArrayBuffer | Uint8Array | number[]) };
    }),
  );
  const l = learning?.results[0];
  const s = settings?.results[0];
  return {
    format: "backlog-auditor-export/v1",
    exportedAt: new Date(now).toISOString(),
    workspace: { id: ws.id, name: ws.name, createdAt: ws.created_at },
    settings: s ? parseCols([s], ["audit_settings"])[0]! : null,
    members: members?.results ?? [],
    connections: parseCols(connections?.results ?? [], ["granted_scopes", "sync_scopes"]),
    issues: parseCols(issues?.results ?? [], ["labels", "components", "iteration", "assignees", "custom_fields", "evidence"]),
    classifications: parseCols(classifications?.results ?? [], ["reasons", "score_reasons"]).map((c) => ({
      ...c,
      reasons: decodeReasons(c.reasons),
      score_reasons: decodeScoreReasons(c.score_reasons),
    })),
    audits: parseCols(auditRows, ["summary", "report"]),
    ledger: ledger?.results ?? [],
    writebackRuns: runs?.results ?? [],
    labelOverrides: overrides?.results ?? [],
    learningExamples: examples?.results ?? [],
    learning: l ? parseCols([l], ["model", "report"])[0]! : null,
    syncFailures: failures?.results ?? [],
    syncSkipped: skipped?.results ?? [],
  };
}
