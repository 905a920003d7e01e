/**
 * `backlog-audit audit FILE [--format md|json|csv] [--rules PACK] [--input jsonl|gh|jira-csv|linear-csv]`:
 * loads issues, classifies and scores them, runs the audit core and renders it.
 */
import { readFileSync } from "node:fs";
import { classify, compilePack, scoreIssue, type RulePack } from "../../rules";
import { runAudit } from "../core/audit";
import { parseIssues, type ImportFormat } from "../core/import";
import { renderCsv, renderMarkdown } from "../report";

export interface AuditOptions {
  format: "md" | "json" | "csv";
  input?: ImportFormat;
  now?: Date;
}

export async function runAuditCommand(pack: RulePack, file: string, opts: AuditOptions): Promise<number> {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const issues = parseIssues(text, opts.input);
  const compiled = compilePack(pack);
  const rows = issues.map((issue) => ({ issue, classification: classify(compiled, issue) }));
  const report = runAudit({
    issues: rows,
    score: (issue, c, ctx) => scoreIssue(compiled, issue, c, ctx),
    settings: { evidenceWeights: pack.evidenceWeights as never },
    now: opts.now ?? new Date(),
  });
  if (opts.format === "json") {
    process.stdout.write(JSON.stringify(report) + "\n");
    return 0;
  }
  process.stdout.write(opts.format === "csv" ? renderCsv(report) : renderMarkdown(report));
  return 0;
}
